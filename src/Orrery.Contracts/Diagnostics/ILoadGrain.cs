using Orleans;
using Orleans.Concurrency;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Drives measured load from the silo it runs on at echo grains placed on another silo (benchmarks, monitoring tests).</summary>
[Alias("orrery.diag.load")]
public interface ILoadGrain : IGrainWithStringKey
{
    /// <summary>Sends the requested calls and reports throughput and latency percentiles.</summary>
    [AlwaysInterleave]
    [Alias("run")]
    Task<LoadReply> RunAsync(LoadRequest request, CancellationToken cancellationToken = default);
}
