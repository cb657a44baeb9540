namespace Orrery.Compute.Cpu;

/// <summary>A buffer in host memory, 64-byte aligned; CPU twins read and write it through <see cref="Span"/>.</summary>
public sealed unsafe class CpuBuffer<T> : DeviceBuffer<T>
    where T : unmanaged
{
    private readonly HostMemoryHandle _memory;

    internal CpuBuffer(CpuDevice device, long length)
        : base(device, length)
    {
        _memory = HostMemoryHandle.Allocate(checked(length * sizeof(T)));
    }

    /// <summary>The elements. Buffers longer than <see cref="int.MaxValue"/> elements must be read through <see cref="Pointer"/>.</summary>
    public Span<T> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (Length > int.MaxValue)
            {
                throw new InvalidOperationException($"{this} is longer than a span can be; use Pointer");
            }

            return new Span<T>(Pointer, (int)Length);
        }
    }

    /// <summary>The first element; valid until the buffer is disposed.</summary>
    public T* Pointer => (T*)_memory.DangerousGetHandle();

    private protected override ulong Address => (ulong)Pointer;

    private protected override void UploadCore(ReadOnlySpan<T> source, long offset) =>
        source.CopyTo(new Span<T>(Pointer + offset, source.Length));

    private protected override void DownloadCore(Span<T> destination, long offset) =>
        new ReadOnlySpan<T>(Pointer + offset, destination.Length).CopyTo(destination);

    private protected override void Free() => _memory.Dispose();
}
