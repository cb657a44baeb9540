namespace Orrery.Cluster.Transport;

/// <summary>
/// A received frame: the parsed header, the protobuf message bytes (copied out of the receive
/// buffer, small) and the raw payload, read straight from the socket into an array of its size
/// (or, for a response, into the destination its caller gave).
/// </summary>
internal sealed class InboundFrame(FrameHeader header, byte[] message, ReadOnlyMemory<byte> payload)
{
    public FrameHeader Header { get; } = header;

    public byte[] Message { get; } = message;

    /// <summary>The payload; empty when the frame has none.</summary>
    public ReadOnlyMemory<byte> Payload { get; } = payload;
}
