namespace Orrery.Compute;

/// <summary>Buffers made from host arrays and read back into them: the two steps every launch site and parity check repeats.</summary>
public static class DeviceBuffers
{
    /// <summary>
    /// A new buffer on <paramref name="device"/> holding <paramref name="values"/>; an empty array gets a buffer of one unused
    /// element (<see cref="IComputeDevice.Allocate{T}"/> takes at least one). The buffer is freed if the upload fails.
    /// </summary>
    public static DeviceBuffer<T> Upload<T>(IComputeDevice device, T[] values)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(values);
        var buffer = device.Allocate<T>(Math.Max(1, values.Length));
        try
        {
            buffer.Upload(values);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>The first <paramref name="length"/> elements of <paramref name="buffer"/> as a new array.</summary>
    public static T[] Download<T>(DeviceBuffer<T> buffer, long length)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var values = new T[length];
        buffer.Download(values);
        return values;
    }
}
