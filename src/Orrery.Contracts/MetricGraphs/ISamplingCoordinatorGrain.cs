using Orleans;
using Orleans.Concurrency;

namespace Orrery.Contracts.MetricGraphs;

/// <summary>
/// Drives one sampling job: splits it into ensembles over the active silos' devices, advances them in slices,
/// re-places the work of an ensemble whose silo died from its last checkpoint, and merges the counts. The job runs in
/// the background; callers poll <see cref="GetProgressAsync"/> and then fetch the result.
/// </summary>
[Alias("orrery.metricgraphs.coordinator")]
public interface ISamplingCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates and starts the job; answers once the ensembles are placed. A job the coordinator cannot run, or a
    /// second start of the same activation, throws <see cref="SamplingRequestException"/>.
    /// </summary>
    [Alias("start")]
    Task<StartSamplingReply> StartAsync(SamplingJob job, CancellationToken cancellationToken);

    /// <summary>How far the job is; <see cref="SamplingState.Unknown"/> when this activation holds no job.</summary>
    [AlwaysInterleave]
    [Alias("progress")]
    Task<SamplingProgressReply> GetProgressAsync();

    /// <summary>The merged counts and the per-ensemble breakdown of a finished job (<see cref="SamplingRequestException"/> before).</summary>
    [AlwaysInterleave]
    [Alias("result")]
    Task<SamplingResultReply> GetResultAsync();

    /// <summary>Stops a running job (it ends <see cref="SamplingState.Failed"/> with the reason) and frees its ensembles; does nothing to a finished one.</summary>
    [AlwaysInterleave]
    [Alias("cancel")]
    Task<SamplingState> CancelAsync(string reason);

    /// <summary>
    /// Ends the job, finished or not (the client calls it once it holds the result, and when the user interrupts the
    /// run): a running job is cancelled and its ensembles freed, the result is dropped and this coordinator deactivates,
    /// so nothing of the job waits for idle collection. A later call finds an activation without a job
    /// (<see cref="SamplingState.Unknown"/>). Releasing twice is harmless.
    /// </summary>
    [AlwaysInterleave]
    [Alias("release")]
    Task ReleaseAsync();
}
