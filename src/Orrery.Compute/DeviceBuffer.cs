using System.Runtime.CompilerServices;

namespace Orrery.Compute;

/// <summary>
/// <see cref="Length"/> elements of <typeparamref name="T"/> in one device's memory, from
/// <see cref="IComputeDevice.Allocate{T}"/>. Contents are undefined until written. Copies are ordered
/// with the device's other work: an upload is visible to every kernel launched after it, and a download
/// returns once every earlier launch that wrote the buffer has finished. <see cref="Dispose"/> frees the
/// memory (waiting for work still using it); do not dispose a buffer while another thread uses it.
/// </summary>
public abstract class DeviceBuffer<T> : IDeviceMemory, IDisposable
    where T : unmanaged
{
    private protected DeviceBuffer(IComputeDevice device, long length)
    {
        Device = device;
        Length = length;
    }

    /// <summary>The device that owns the memory.</summary>
    public IComputeDevice Device { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Length times the element size.</summary>
    public long SizeInBytes => Length * Unsafe.SizeOf<T>();

    /// <summary>True once the buffer has been freed.</summary>
    public bool IsDisposed { get; private set; }

    Type IDeviceMemory.ElementType => typeof(T);

    ulong IDeviceMemory.Address => Address;

    private protected abstract ulong Address { get; }

    /// <summary>Copies <paramref name="source"/> into elements [<paramref name="offset"/>, offset + source.Length).</summary>
    public void Upload(ReadOnlySpan<T> source, long offset = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CheckRange(offset, source.Length);
        if (!source.IsEmpty)
        {
            UploadCore(source, offset);
        }
    }

    /// <summary>Copies elements [<paramref name="offset"/>, offset + destination.Length) into <paramref name="destination"/>.</summary>
    public void Download(Span<T> destination, long offset = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CheckRange(offset, destination.Length);
        if (!destination.IsEmpty)
        {
            DownloadCore(destination, offset);
        }
    }

    /// <summary>The whole buffer as a new array.</summary>
    public T[] ToArray()
    {
        if (Length > Array.MaxLength)
        {
            throw new InvalidOperationException($"a buffer of {Length} elements does not fit in one array; download it in parts");
        }

        var values = new T[Length];
        Download(values);
        return values;
    }

    /// <summary>Frees the memory. Safe to call twice.</summary>
    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        IsDisposed = true;
        Free();
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{typeof(T).Name}[{Length}] on {Device.Name}";

    private protected abstract void UploadCore(ReadOnlySpan<T> source, long offset);

    private protected abstract void DownloadCore(Span<T> destination, long offset);

    private protected abstract void Free();

    private void CheckRange(long offset, int count)
    {
        if (offset < 0 || offset > Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"elements [{offset}, {offset + count}) are outside the buffer's [0, {Length})");
        }
    }
}
