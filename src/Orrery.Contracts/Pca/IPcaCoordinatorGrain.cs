using Orleans;

namespace Orrery.Contracts.Pca;

/// <summary>
/// Runs one PCA solver: places shards and workers over the active silos, runs rounds, records the metrics of every
/// round, stops at the target error or the round budget, and recovers from lost shard and worker silos. The run lives
/// in this activation only; when its own silo is lost, a call finds a fresh activation and throws
/// <see cref="PcaRunLostException"/>, and the client starts the run again under a new key (deterministic restart).
/// </summary>
[Alias("orrery.pca.coordinator")]
public interface IPcaCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes the run: checks it and places its shards and workers, and answers at once (the coordinator's silo and the
    /// placements). Loading the shards, computing the truth and starting the workers are the first steps of the
    /// <see cref="AdvanceAsync"/> calls that follow, each bounded by its slice, so that no call waits on a long phase
    /// past its deadline. A run the coordinator cannot take, or a second start of the same activation, throws
    /// <see cref="PcaRequestException"/>.
    /// </summary>
    [Alias("start")]
    Task<PcaStartReply> StartAsync(PcaStartRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Works on the run for about <paramref name="seconds"/> (set-up first, then rounds) and answers the rounds completed
    /// meanwhile. A run that failed for good throws <see cref="PcaRunFailedException"/>.
    /// </summary>
    [Alias("advance")]
    Task<PcaAdvanceReply> AdvanceAsync(double seconds, CancellationToken cancellationToken);

    /// <summary>The eigenvalue estimates and the whole history (<see cref="PcaRequestException"/> before the run finished).</summary>
    [Alias("result")]
    Task<PcaResultReply> GetResultAsync();

    /// <summary>The published vectors <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1, row after row (count x d floats).</summary>
    [Alias("vectors")]
    Task<float[]> GetVectorsAsync(int first, int count);

    /// <summary>
    /// Ends the run on the cluster, finished or not: stops its background work (the exact truth's covariance pass), frees
    /// its shards' data and its workers' vectors and deactivates them and this coordinator, so their memory comes back at
    /// once rather than after idle collection. A call afterwards finds a fresh activation that holds no run; releasing
    /// again, or a coordinator that never ran, is harmless.
    /// </summary>
    [Alias("release")]
    Task ReleaseAsync();
}
