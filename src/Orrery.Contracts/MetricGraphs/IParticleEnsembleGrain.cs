using Orleans;

namespace Orrery.Contracts.MetricGraphs;

/// <summary>
/// A chunk of particles of one sampling job on one device of its silo (the coordinator chooses the silo with a
/// placement hint; every placement has a key of its own). It holds the particles' state between calls; each advance
/// returns what its steps observed as integer counts, and on request the state after them as a checkpoint in its
/// silo's tensor store, from which another silo can continue.
/// </summary>
[Alias("orrery.metricgraphs.ensemble")]
public interface IParticleEnsembleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Places the particles at step 0, or restores them from the checkpoint the request names. Throws
    /// <see cref="SamplingRequestException"/> for a request it cannot take.
    /// </summary>
    [Alias("start")]
    Task<StartEnsembleReply> StartAsync(StartEnsembleRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Advances the particles by one slice of steps. Throws <see cref="EnsembleLostException"/> when this activation
    /// holds no particles of the run (a fresh activation after its silo was lost, or an idle deactivation).
    /// </summary>
    [Alias("advance")]
    Task<AdvanceEnsembleReply> AdvanceAsync(AdvanceEnsembleRequest request, CancellationToken cancellationToken);

    /// <summary>Drops the particles and deactivates the ensemble.</summary>
    [Alias("release")]
    Task ReleaseAsync(string runId);
}
