namespace Orrery.Cluster.Transport;

/// <summary>
/// A received frame: the parsed header, the protobuf message bytes (copied out of the receive
/// buffer, small) and the raw payload, read straight from the socket into an array of its size, or,
/// for a request whose method borrows its payload, into pooled memory (<see cref="Lease"/>) that goes
/// back to <see cref="PayloadPool"/> once the reply has been written.
/// </summary>
internal sealed class InboundFrame(FrameHeader header, byte[] message, ReadOnlyMemory<byte> payload, byte[]? lease = null)
{
    public FrameHeader Header { get; } = header;

    public byte[] Message { get; } = message;

    /// <summary>The payload; empty when the frame has none.</summary>
    public ReadOnlyMemory<byte> Payload { get; } = payload;

    /// <summary>The pooled array behind <see cref="Payload"/> when it was lent rather than given; null otherwise.</summary>
    public byte[]? Lease { get; } = lease;
}
