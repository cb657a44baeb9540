using Orleans;
using Orleans.Concurrency;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Moves tensors between silos by reference over the tensor channel and checks them (the demo, the cluster tests).</summary>
[Alias("orrery.diag.tensor")]
public interface ITensorGrain : IGrainWithStringKey
{
    /// <summary>Makes a tensor, has a peer grain on another silo fetch and return it, and checks what came back.</summary>
    [Alias("round-trip")]
    Task<TensorRoundTripReply> RoundTripAsync(TensorRoundTripRequest request, CancellationToken cancellationToken = default);

    /// <summary>The peer's side: fetches the tensor, checks its checksum and puts it back in this silo's store.</summary>
    [AlwaysInterleave]
    [Alias("echo")]
    Task<TensorEchoReply> EchoAsync(TensorEchoRequest request, CancellationToken cancellationToken = default);
}
