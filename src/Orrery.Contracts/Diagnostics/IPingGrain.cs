using Orleans;
using Orrery.Contracts.Cluster;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Answers with where it runs; <c>orrery ping</c> places one on every silo and times the round trip.</summary>
[Alias("orrery.diag.ping")]
public interface IPingGrain : IGrainWithIntegerKey
{
    /// <summary>The silo this activation runs on.</summary>
    [Alias("where")]
    [ResendOnGatewayLoss]
    Task<SiloWhere> WhereAsync(CancellationToken cancellationToken = default);
}
