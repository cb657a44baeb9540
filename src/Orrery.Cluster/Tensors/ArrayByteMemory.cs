using System.Buffers;
using System.Runtime.InteropServices;

namespace Orrery.Cluster.Tensors;

/// <summary>
/// The bytes of a <typeparamref name="T"/>[] as <see cref="Memory{T}"/> of bytes, without a copy: the socket writes a
/// stored float tensor from its own array and reads a fetched one straight into the array its caller keeps.
/// </summary>
internal sealed class ArrayByteMemory<T> : MemoryManager<byte>
    where T : unmanaged
{
    private readonly T[] _array;
    private GCHandle _pin;
    private int _pins;

    public ArrayByteMemory(T[] array) => _array = array;

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_array.AsSpan());

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        lock (_array)
        {
            if (_pins++ == 0)
            {
                _pin = GCHandle.Alloc(_array, GCHandleType.Pinned);
            }
        }

        var start = (byte*)_pin.AddrOfPinnedObject() + elementIndex;
        return new MemoryHandle(start, default, this);
    }

    public override void Unpin()
    {
        lock (_array)
        {
            if (--_pins == 0)
            {
                _pin.Free();
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
    }

    /// <summary>The array's bytes as memory (a byte array is used as it is).</summary>
    public static Memory<byte> Of(T[] array) =>
        array is byte[] bytes ? bytes : new ArrayByteMemory<T>(array).Memory;
}
