namespace Orrery.Cluster.Transport;

/// <summary>
/// A received frame: the parsed header, the protobuf message bytes (copied out of the receive
/// buffer, small) and the raw payload (read straight from the socket into an array of its size).
/// </summary>
internal sealed class InboundFrame(FrameHeader header, byte[] message, byte[]? payload)
{
    public FrameHeader Header { get; } = header;

    public byte[] Message { get; } = message;

    public byte[]? Payload { get; } = payload;
}
