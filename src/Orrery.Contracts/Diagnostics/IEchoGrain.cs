using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Answers small calls; used by <c>orrery ping</c>, the demo and the routing tests.</summary>
[GrainType("diag.echo")]
public interface IEchoGrain : IGrain
{
    /// <summary>Echoes the text, naming the silo that ran the call.</summary>
    Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken);

    /// <summary>Like <see cref="EchoAsync"/>, but may run while another call of this activation is in progress.</summary>
    [AlwaysInterleave]
    Task<EchoReply> PeekAsync(EchoRequest request, CancellationToken cancellationToken);
}
