using Google.Protobuf;

namespace Orrery.Cluster.Transport;

/// <summary>
/// A frame waiting in a connection's send queue. The payload is written from its own memory; <see cref="Release"/>,
/// when set, goes back to <see cref="PayloadPool"/> once the frame has been written (it may be the payload's memory).
/// </summary>
internal readonly record struct OutgoingFrame(FrameHeader Header, IMessage? Message, ReadOnlyMemory<byte> Payload, byte[]? Release = null);
