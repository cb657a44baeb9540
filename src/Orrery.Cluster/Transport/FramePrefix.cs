using System.Buffers;
using System.Buffers.Binary;

namespace Orrery.Cluster.Transport;

/// <summary>
/// The fixed 16-byte little-endian frame prefix: u32 header length, u32 message length,
/// u64 payload length. Fixed size so the reader knows where the header ends without parsing.
/// </summary>
internal readonly record struct FramePrefix(int HeaderLength, int MessageLength, long PayloadLength)
{
    public const int Size = 16;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, HeaderLength);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], MessageLength);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], PayloadLength);
    }

    public static FramePrefix Read(ReadOnlySequence<byte> buffer)
    {
        Span<byte> bytes = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(bytes);
        return new FramePrefix(
            BinaryPrimitives.ReadInt32LittleEndian(bytes),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]));
    }
}
