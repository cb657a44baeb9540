using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;

namespace Orrery.Gcn.Model;

/// <summary>
/// A row-major (rows, columns) float matrix in a device buffer; the model's activations, parameters and gradients. On
/// the CPU device its elements are host memory (<see cref="Span"/>); on a GPU they stay on the device and cross to the
/// host only through <see cref="Upload"/>, <see cref="Download"/> and <see cref="ToArray"/>.
/// </summary>
public sealed class Tensor2 : IDisposable
{
    private readonly IComputeDevice _device;
    private DeviceBuffer<float>? _zeroRow; // (1, columns) of zeros on a GPU: what Clear broadcasts

    /// <summary>Allocates a zeroed (rows, columns) matrix on <paramref name="device"/>.</summary>
    public Tensor2(IComputeDevice device, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), $"a ({rows}, {columns}) matrix holds more than {Array.MaxLength} elements; split the graph into more parts");
        }

        _device = device;
        Rows = rows;
        Columns = columns;
        Buffer = device.Allocate<float>(Math.Max(1L, (long)rows * columns));
        try
        {
            // Device memory starts undefined.
            Clear();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Rows times columns.</summary>
    public int Length => Rows * Columns;

    /// <summary>The storage.</summary>
    public DeviceBuffer<float> Buffer { get; }

    /// <summary>True when the elements are host memory (the CPU device), so <see cref="Span"/> may be read.</summary>
    public bool IsOnHost => _device is CpuDevice;

    /// <summary>The elements, row-major; on the CPU device only (a GPU tensor is read with <see cref="Download"/>).</summary>
    public Span<float> Span => HostBuffer()[..Length];

    /// <summary>Row <paramref name="row"/>; on the CPU device only.</summary>
    public Span<float> Row(int row) => HostBuffer().Slice(row * Columns, Columns);

    /// <summary>
    /// Sets every element to 0: on the CPU a memory clear, on a GPU <c>gcn_broadcast_rows</c> (kernels/gcn_dense.cu) of a
    /// row of zeros, so nothing crosses to the device but that one row, once.
    /// </summary>
    public void Clear()
    {
        if (IsOnHost)
        {
            Span.Clear();
            return;
        }

        if (_zeroRow is null)
        {
            _zeroRow = _device.Allocate<float>(Math.Max(1, Columns));
            _zeroRow.Upload(new float[_zeroRow.Length]);
        }

        GcnDenseKernels.LaunchBroadcastRows(_device, Buffer, _zeroRow, Rows, Columns, accumulate: false);
    }

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Length"/> values, row-major) into the tensor.</summary>
    public void Upload(ReadOnlySpan<float> source)
    {
        if (source.Length != Length)
        {
            throw new ArgumentException($"{source.Length} values for a ({Rows}, {Columns}) tensor of {Length}", nameof(source));
        }

        Buffer.Upload(source);
    }

    /// <summary>Copies the tensor's <see cref="Length"/> values, row-major, into <paramref name="destination"/>.</summary>
    public void Download(Span<float> destination)
    {
        if (destination.Length != Length)
        {
            throw new ArgumentException($"{destination.Length} places for a ({Rows}, {Columns}) tensor of {Length}", nameof(destination));
        }

        Buffer.Download(destination);
    }

    /// <summary>The elements as a new array.</summary>
    public float[] ToArray()
    {
        var values = new float[Length];
        Download(values);
        return values;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Buffer.Dispose();
        _zeroRow?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"({Rows}, {Columns}) on {_device.Name}";

    private Span<float> HostBuffer() => Buffer is CpuBuffer<float> host && IsOnHost
        ? host.Span
        : throw new InvalidOperationException($"the ({Rows}, {Columns}) tensor lives on {_device.Name}, not in host memory: read it with Download or ToArray");
}
