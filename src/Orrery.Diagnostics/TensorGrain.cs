using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// Checks a tensor payload's checksum and sends it back, sends a fresh tensor of the asked size,
/// or (negative size) answers with no payload.
/// </summary>
public sealed class TensorGrain : Grain, ITensorGrain
{
    public Task<TensorReply> RoundTripAsync(TensorRequest request, CancellationToken cancellationToken)
    {
        var received = request.Payload;
        if (request.Checksum != 0 && TensorChecksum.Compute(received.Span) != request.Checksum)
        {
            throw new BadRequestException($"tensor payload of {received.Length} bytes arrived with a wrong checksum");
        }

        var reply = new TensorReply { ReceivedBytes = received.Length, Silo = SiloName };
        if (request.ReplyBytes > 0)
        {
            var fresh = GC.AllocateUninitializedArray<byte>(checked((int)request.ReplyBytes));
            TensorChecksum.Fill(fresh, seed: request.ReplyBytes);
            reply.Payload = fresh;
            reply.Checksum = TensorChecksum.Compute(fresh);
        }
        else if (request.ReplyBytes == 0)
        {
            reply.Payload = received;
            reply.Checksum = request.Checksum;
        }

        return Task.FromResult(reply);
    }
}
