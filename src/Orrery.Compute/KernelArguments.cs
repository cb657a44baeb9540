using Orrery.Compute.Cpu;

namespace Orrery.Compute;

/// <summary>
/// A kernel's arguments in parameter order, each with its C type: device buffers (<c>T*</c>) and
/// scalars (<c>int</c>, <c>unsigned int</c>, <c>long long</c>, <c>unsigned long long</c>, <c>float</c>,
/// <c>double</c>). Build them with <see cref="Add{T}(DeviceBuffer{T})"/> and the scalar overloads; CPU twins
/// read them back with the typed accessors, which check that the kernel reads each argument as the type
/// it was given.
/// </summary>
public sealed class KernelArguments
{
    private readonly List<Argument> _arguments = [];

    /// <summary>Number of arguments.</summary>
    public int Count => _arguments.Count;

    /// <summary>Appends a buffer, passed to the kernel as a pointer to its first element.</summary>
    public KernelArguments Add<T>(DeviceBuffer<T> buffer)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        _arguments.Add(new Argument(KernelArgumentKind.Buffer, 0, buffer));
        return this;
    }

    /// <summary>Appends an <c>int</c>.</summary>
    public KernelArguments Add(int value) => Scalar(KernelArgumentKind.Int32, (uint)value);

    /// <summary>Appends an <c>unsigned int</c>.</summary>
    public KernelArguments Add(uint value) => Scalar(KernelArgumentKind.UInt32, value);

    /// <summary>Appends a <c>long long</c>.</summary>
    public KernelArguments Add(long value) => Scalar(KernelArgumentKind.Int64, (ulong)value);

    /// <summary>Appends an <c>unsigned long long</c>.</summary>
    public KernelArguments Add(ulong value) => Scalar(KernelArgumentKind.UInt64, value);

    /// <summary>Appends a <c>float</c>.</summary>
    public KernelArguments Add(float value) => Scalar(KernelArgumentKind.Single, BitConverter.SingleToUInt32Bits(value));

    /// <summary>Appends a <c>double</c>.</summary>
    public KernelArguments Add(double value) => Scalar(KernelArgumentKind.Double, BitConverter.DoubleToUInt64Bits(value));

    /// <summary>Argument <paramref name="index"/> as a CPU buffer of <typeparamref name="T"/> (for CPU twins).</summary>
    public CpuBuffer<T> CpuBuffer<T>(int index)
        where T : unmanaged
    {
        var memory = Get(index, KernelArgumentKind.Buffer).Buffer!;
        if (memory.ElementType != typeof(T))
        {
            throw new ArgumentException($"kernel argument {index} is a buffer of {memory.ElementType.Name}; the kernel reads it as {typeof(T).Name}");
        }

        if (memory is not CpuBuffer<T> buffer)
        {
            throw new ArgumentException($"kernel argument {index} lives on {memory.Device.Name}; CPU twins read only cpu buffers");
        }

        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
        return buffer;
    }

    /// <summary>Argument <paramref name="index"/>'s elements (for CPU twins).</summary>
    public Span<T> Span<T>(int index)
        where T : unmanaged => CpuBuffer<T>(index).Span;

    public int Int32(int index) => (int)Get(index, KernelArgumentKind.Int32).Bits;

    public uint UInt32(int index) => (uint)Get(index, KernelArgumentKind.UInt32).Bits;

    public long Int64(int index) => (long)Get(index, KernelArgumentKind.Int64).Bits;

    public ulong UInt64(int index) => Get(index, KernelArgumentKind.UInt64).Bits;

    public float Single(int index) => BitConverter.UInt32BitsToSingle((uint)Get(index, KernelArgumentKind.Single).Bits);

    public double Double(int index) => BitConverter.UInt64BitsToDouble(Get(index, KernelArgumentKind.Double).Bits);

    /// <summary>
    /// Argument <paramref name="index"/> as the 8 bytes a launch points the kernel at: a scalar's bits
    /// (little-endian, so a 4-byte parameter reads the low half) or a buffer's address on <paramref name="device"/>.
    /// </summary>
    internal ulong Slot(int index, IComputeDevice device)
    {
        var argument = _arguments[index];
        if (argument.Kind != KernelArgumentKind.Buffer)
        {
            return argument.Bits;
        }

        var memory = argument.Buffer!;
        if (!ReferenceEquals(memory.Device, device))
        {
            throw new ArgumentException($"kernel argument {index} ({memory.ElementType.Name}[{memory.Length}]) lives on {memory.Device.Name}, not on {device.Name}");
        }

        if (memory.IsDisposed)
        {
            throw new ObjectDisposedException($"kernel argument {index}", $"kernel argument {index} ({memory.ElementType.Name}[{memory.Length}] on {device.Name}) has been disposed");
        }

        return memory.Address;
    }

    private KernelArguments Scalar(KernelArgumentKind kind, ulong bits)
    {
        _arguments.Add(new Argument(kind, bits, null));
        return this;
    }

    private Argument Get(int index, KernelArgumentKind expected)
    {
        if ((uint)index >= (uint)_arguments.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the launch passed {_arguments.Count} arguments");
        }

        var argument = _arguments[index];
        if (argument.Kind != expected)
        {
            throw new ArgumentException($"kernel argument {index} is {Describe(argument.Kind)}; the kernel reads it as {Describe(expected)}");
        }

        return argument;
    }

    private static string Describe(KernelArgumentKind kind) => kind switch
    {
        KernelArgumentKind.Buffer => "a buffer",
        KernelArgumentKind.Int32 => "an int",
        KernelArgumentKind.UInt32 => "an unsigned int",
        KernelArgumentKind.Int64 => "a long long",
        KernelArgumentKind.UInt64 => "an unsigned long long",
        KernelArgumentKind.Single => "a float",
        _ => "a double",
    };

    private readonly record struct Argument(KernelArgumentKind Kind, ulong Bits, IDeviceMemory? Buffer);
}
