using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Receives and returns bulk tensors; used by the demo and the transfer benchmark.</summary>
[GrainType("diag.tensor")]
public interface ITensorGrain : IGrain
{
    /// <summary>Verifies the payload's checksum and sends it back, a fresh tensor of the asked size, or (negative size) nothing.</summary>
    [AlwaysInterleave]
    [BorrowsPayload]
    Task<TensorReply> RoundTripAsync(TensorRequest request, CancellationToken cancellationToken);
}
