using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Pca;

/// <summary>
/// Runs one PCA solver: starts shards and workers, runs rounds, records the metrics of every round,
/// stops at the target error or the round budget, and recovers from lost silos.
/// </summary>
[GrainType("pca.coordinator")]
public interface IPcaCoordinator : IGrain
{
    /// <summary>Loads the shards, computes the truth, initialises the workers. Answers when all are ready.</summary>
    Task<PcaStartReply> StartAsync(PcaStartRequest request, CancellationToken cancellationToken);

    /// <summary>Runs rounds for about the asked time and answers the rounds completed meanwhile.</summary>
    Task<PcaAdvanceReply> AdvanceAsync(PcaAdvanceRequest request, CancellationToken cancellationToken);

    /// <summary>The published vectors, eigenvalue estimates and the whole history.</summary>
    Task<PcaResultReply> ResultAsync(PcaResultRequest request, CancellationToken cancellationToken);
}
