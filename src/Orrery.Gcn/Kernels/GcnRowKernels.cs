using Orrery.Compute;
using Orrery.Compute.Cpu;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// The kernels of <c>kernels/gcn_rows.cu</c> (the halo exchange's row copies: gathering a peer's boundary rows, adding the
/// gradients it sends back onto them), by name, how to launch them, and their CPU twins, which compute exactly what the
/// kernels compute (a copy; one float add per element). tests/Orrery.Gcn.Tests/HostEmulation/ compiles gcn_rows.cu with
/// g++ and compares it with these twins.
/// </summary>
public static class GcnRowKernels
{
    /// <summary>Threads per block gcn_rows.cu is written for (<c>GCN_ROWS_THREADS</c>); one thread per element.</summary>
    public const int ThreadsPerBlock = 256;

    private static readonly Lock RegistrationGate = new();

    /// <summary>
    /// <c>gcn_gather_rows(const float* x, const int* rows, float* out, int first, int count, int width)</c>:
    /// out[first + i, ·] = x[rows[first + i], ·] for i &lt; count.
    /// </summary>
    public static KernelName GatherRows { get; } = new("gcn_rows", "gcn_gather_rows");

    /// <summary>
    /// <c>gcn_scatter_add_rows(float* x, const int* rows, const float* source, int first, int count, int width)</c>:
    /// x[rows[first + i], ·] += source[first + i, ·] for i &lt; count; the rows of one launch must be distinct.
    /// </summary>
    public static KernelName ScatterAddRows { get; } = new("gcn_rows", "gcn_scatter_add_rows");

    /// <summary>Registers the twins in <paramref name="registry"/> unless they already are (several models share one CPU device).</summary>
    public static void Register(CpuKernelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        lock (RegistrationGate)
        {
            RegisterOnce(registry, GatherRows, GatherRowsTwin);
            RegisterOnce(registry, ScatterAddRows, ScatterAddRowsTwin);
        }
    }

    /// <summary>
    /// Launches <see cref="GatherRows"/>: rows first .. first + count − 1 of the send block <paramref name="output"/>
    /// (s, width) from the rows of x (n, width) that <paramref name="rows"/> names there. Nothing runs for an empty range.
    /// </summary>
    public static void LaunchGatherRows(
        IComputeDevice device, DeviceBuffer<float> x, DeviceBuffer<int> rows, DeviceBuffer<float> output, int first, int count, int width)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (count == 0 || width == 0)
        {
            return;
        }

        var arguments = new KernelArguments().Add(x).Add(rows).Add(output).Add(first).Add(count).Add(width);
        device.Launch(GatherRows, LaunchGeometry.Linear((long)count * width, ThreadsPerBlock), arguments);
    }

    /// <summary>
    /// Launches <see cref="ScatterAddRows"/>: adds rows first .. first + count − 1 of <paramref name="source"/> (s, width)
    /// onto the rows of x (n, width) that <paramref name="rows"/> names there, which must be distinct (one peer's send
    /// list). Nothing runs for an empty range.
    /// </summary>
    public static void LaunchScatterAddRows(
        IComputeDevice device, DeviceBuffer<float> x, DeviceBuffer<int> rows, DeviceBuffer<float> source, int first, int count, int width)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (count == 0 || width == 0)
        {
            return;
        }

        var arguments = new KernelArguments().Add(x).Add(rows).Add(source).Add(first).Add(count).Add(width);
        device.Launch(ScatterAddRows, LaunchGeometry.Linear((long)count * width, ThreadsPerBlock), arguments);
    }

    private static void RegisterOnce(CpuKernelRegistry registry, KernelName name, CpuKernel twin)
    {
        if (!registry.TryGet(name, out _))
        {
            registry.Register(name, twin);
        }
    }

    private static void GatherRowsTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var (x, rows, block, first, count, width) = Read(arguments, "gcn_gather_rows");
        for (var i = first; i < first + count; i++)
        {
            x.Span.Slice(rows.Span[i] * width, width).CopyTo(block.Span.Slice(i * width, width));
        }
    }

    private static void ScatterAddRowsTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var (x, rows, block, first, count, width) = Read(arguments, "gcn_scatter_add_rows");
        for (var i = first; i < first + count; i++)
        {
            var target = x.Span.Slice(rows.Span[i] * width, width);
            ReadOnlySpan<float> source = block.Span.Slice(i * width, width);
            for (var j = 0; j < width; j++)
            {
                target[j] += source[j];
            }
        }
    }

    /// <summary>
    /// The arguments of either kernel, with what the GPU takes on trust checked: the range inside the row list and the
    /// block, every named row inside x. A wrong one here would be an out-of-bounds access on the GPU.
    /// </summary>
    private static (CpuBuffer<float> X, CpuBuffer<int> Rows, CpuBuffer<float> Block, int First, int Count, int Width) Read(KernelArguments arguments, string kernel)
    {
        var x = arguments.CpuBuffer<float>(0);
        var rows = arguments.CpuBuffer<int>(1);
        var block = arguments.CpuBuffer<float>(2);
        int first = arguments.Int32(3), count = arguments.Int32(4), width = arguments.Int32(5);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        var end = (long)first + count;
        if (rows.Length < end || block.Length < end * width)
        {
            throw new ArgumentException($"{kernel}: rows {first} .. {end - 1} of width {width} need {end} row indices and {end * width} block elements; the buffers hold {rows.Length} and {block.Length}");
        }

        var xRows = width == 0 ? long.MaxValue : x.Length / width;
        foreach (var row in rows.Span[first..(int)end])
        {
            if (row < 0 || row >= xRows)
            {
                throw new ArgumentException($"{kernel}: row {row} is outside x's {xRows} rows of width {width}");
            }
        }

        return (x, rows, block, first, count, width);
    }
}
