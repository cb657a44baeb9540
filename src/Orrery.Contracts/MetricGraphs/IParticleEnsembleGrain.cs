using Orrery.Contracts.Grains;

namespace Orrery.Contracts.MetricGraphs;

/// <summary>
/// A chunk of particles of one sampling job on one device of its silo (the coordinator pins it there).
/// It holds the particles' state between calls; each advance returns what its steps observed as integer
/// counts, and on request the state after them as a checkpoint from which another silo can continue.
/// </summary>
[GrainType("metricgraphs.ensemble")]
public interface IParticleEnsembleGrain : IGrain
{
    /// <summary>Places the particles at step 0, or restores them from the checkpoint in the payload.</summary>
    Task<StartEnsembleReply> StartAsync(StartEnsembleRequest request, CancellationToken cancellationToken);

    /// <summary>Advances the particles by one slice of steps; the reply's payload holds a checkpoint when asked.</summary>
    Task<AdvanceEnsembleReply> AdvanceAsync(AdvanceEnsembleRequest request, CancellationToken cancellationToken);

    /// <summary>Drops the particles and deactivates the ensemble.</summary>
    Task<ReleaseEnsembleReply> ReleaseAsync(ReleaseEnsembleRequest request, CancellationToken cancellationToken);
}
