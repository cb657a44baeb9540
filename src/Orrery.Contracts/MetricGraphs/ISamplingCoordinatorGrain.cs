using Orrery.Contracts.Grains;

namespace Orrery.Contracts.MetricGraphs;

/// <summary>
/// Drives one sampling job: splits it into ensembles over the Active silos' devices, advances them in
/// slices, re-places the work of an ensemble whose silo died from its last checkpoint, and merges the
/// counts. The job runs in the background; callers poll <see cref="GetProgressAsync"/> and then fetch the result.
/// </summary>
[GrainType("metricgraphs.coordinator")]
public interface ISamplingCoordinatorGrain : IGrain
{
    /// <summary>Validates and starts the job; answers once the ensembles are placed. A second start of the same activation fails.</summary>
    Task<StartSamplingReply> StartAsync(StartSamplingRequest request, CancellationToken cancellationToken);

    /// <summary>How far the job is; UNKNOWN when this activation holds no job.</summary>
    [AlwaysInterleave]
    Task<SamplingProgressReply> GetProgressAsync(SamplingProgressRequest request, CancellationToken cancellationToken);

    /// <summary>The merged counts and the per-ensemble breakdown of a finished job.</summary>
    [AlwaysInterleave]
    Task<SamplingResultReply> GetResultAsync(SamplingResultRequest request, CancellationToken cancellationToken);

    /// <summary>Stops a running job (it ends FAILED with the reason) and frees its ensembles; does nothing to a finished one.</summary>
    [AlwaysInterleave]
    Task<CancelSamplingReply> CancelAsync(CancelSamplingRequest request, CancellationToken cancellationToken);
}
