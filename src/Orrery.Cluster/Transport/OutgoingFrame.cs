using Google.Protobuf;

namespace Orrery.Cluster.Transport;

/// <summary>A frame waiting in a connection's send queue; the payload is written from its own memory.</summary>
internal readonly record struct OutgoingFrame(FrameHeader Header, IMessage? Message, ReadOnlyMemory<byte> Payload);
