using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Drives measured load from the silo it runs on to grains pinned on another silo (benchmarks).</summary>
[GrainType("diag.load")]
public interface ILoadGrain : IGrain
{
    /// <summary>Sends the requested calls and reports throughput and latency percentiles.</summary>
    [AlwaysInterleave]
    Task<LoadReply> RunAsync(LoadRequest request, CancellationToken cancellationToken);
}
