using Orleans;
using Orleans.Concurrency;
using Orrery.Contracts.Cluster;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Answers small calls; used by the demo, the benchmarks and the cluster tests.</summary>
[Alias("orrery.diag.echo")]
public interface IEchoGrain : IGrainWithStringKey
{
    /// <summary>Echoes the text, naming the silo that ran the call (one call at a time per activation).</summary>
    [Alias("echo")]
    [ResendOnGatewayLoss]
    Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken = default);

    /// <summary>Like <see cref="EchoAsync"/>, but may run while another call of this activation is in progress.</summary>
    [AlwaysInterleave]
    [Alias("peek")]
    [ResendOnGatewayLoss]
    Task<EchoReply> PeekAsync(EchoRequest request, CancellationToken cancellationToken = default);
}
