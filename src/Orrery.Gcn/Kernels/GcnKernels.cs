using Orrery.Compute;
using Orrery.Compute.Cpu;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// The kernels of <c>kernels/gcn.cu</c>, by name, how to launch them, and their CPU twins. Each twin computes exactly
/// what the CUDA kernel computes from the same arguments, bit for bit: every product and every add is rounded once, in
/// the kernel's order (C# never contracts <c>a * b + c</c>; the kernel uses the <c>_rn</c> intrinsics).
/// tests/Orrery.Gcn.Tests/HostEmulation/ compiles gcn.cu with g++ and compares it with these twins.
/// </summary>
public static class GcnKernels
{
    /// <summary>Threads per block gcn.cu is written for (<c>GCN_THREADS</c>): 8 warps, one output row per warp.</summary>
    public const int ThreadsPerBlock = 256;

    /// <summary>Threads that share one output row (<c>GCN_WARP</c>): a warp.</summary>
    public const int ThreadsPerRow = 32;

    private static readonly Lock RegistrationGate = new();

    /// <summary>
    /// <c>gcn_aggregate(const int* row_start, const int* columns, const float* coefficients, const float* x,
    /// const float* halo, float* agg, int n, int halo_count, int width)</c>: agg[v, j] = Σ_e coef[e] · xext[col[e], j]
    /// over v's CSR row in increasing e, from 0, xext = [x; halo].
    /// </summary>
    public static KernelName Aggregate { get; } = new("gcn", "gcn_aggregate");

    /// <summary>
    /// <c>gcn_aggregate_transpose(const int* column_start, const int* rows, const float* coefficients,
    /// const float* dagg, float* dx, float* dhalo, int n, int halo_count, int width)</c>: for each extended row c,
    /// out[c, j] += Σ_k coef[k] · dagg[rows[k], j] over c's transposed row (<see cref="TransposedAdjacency"/>) in
    /// increasing k, starting from what out holds; out is dx for c &lt; n, dhalo row c − n otherwise.
    /// </summary>
    public static KernelName AggregateTranspose { get; } = new("gcn", "gcn_aggregate_transpose");

    /// <summary>
    /// Registers the twins in <paramref name="registry"/> unless they already are: every <see cref="Training.PartitionModel"/>
    /// calls it for its device, and several models (and the grains of one silo) share one CPU device.
    /// </summary>
    public static void Register(CpuKernelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        lock (RegistrationGate)
        {
            if (!registry.TryGet(Aggregate, out _))
            {
                registry.Register(Aggregate, AggregateTwin);
            }

            if (!registry.TryGet(AggregateTranspose, out _))
            {
                registry.Register(AggregateTranspose, AggregateTransposeTwin);
            }
        }
    }

    /// <summary>One warp per output row: ceil(<paramref name="rows"/> / 8) blocks of <see cref="ThreadsPerBlock"/> threads.</summary>
    public static LaunchGeometry RowGeometry(int rows) => LaunchGeometry.Linear((long)rows * ThreadsPerRow, ThreadsPerBlock);

    /// <summary>
    /// Launches <see cref="Aggregate"/>: agg (n, width) from the CSR rows of n inner nodes over x (n, width) and
    /// halo (haloCount, width). Nothing runs when n is 0.
    /// </summary>
    public static void LaunchAggregate(
        IComputeDevice device, DeviceBuffer<int> rowStart, DeviceBuffer<int> columns, DeviceBuffer<float> coefficients,
        DeviceBuffer<float> x, DeviceBuffer<float> halo, DeviceBuffer<float> agg, int n, int haloCount, int width)
    {
        ArgumentNullException.ThrowIfNull(device);
        var arguments = new KernelArguments()
            .Add(rowStart).Add(columns).Add(coefficients).Add(x).Add(halo).Add(agg)
            .Add(n).Add(haloCount).Add(width);
        device.Launch(Aggregate, RowGeometry(n), arguments);
    }

    /// <summary>
    /// Launches <see cref="AggregateTranspose"/>: adds the transpose of the aggregation of dagg (n, width) into
    /// dx (n, width) and dhalo (haloCount, width). Nothing runs when n + haloCount is 0.
    /// </summary>
    public static void LaunchAggregateTranspose(
        IComputeDevice device, DeviceBuffer<int> columnStart, DeviceBuffer<int> rows, DeviceBuffer<float> coefficients,
        DeviceBuffer<float> dagg, DeviceBuffer<float> dx, DeviceBuffer<float> dhalo, int n, int haloCount, int width)
    {
        ArgumentNullException.ThrowIfNull(device);
        var arguments = new KernelArguments()
            .Add(columnStart).Add(rows).Add(coefficients).Add(dagg).Add(dx).Add(dhalo)
            .Add(n).Add(haloCount).Add(width);
        device.Launch(AggregateTranspose, RowGeometry(n + haloCount), arguments);
    }

    private static void AggregateTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var rowStart = arguments.CpuBuffer<int>(0);
        var columns = arguments.CpuBuffer<int>(1);
        var coefficients = arguments.CpuBuffer<float>(2);
        var x = arguments.CpuBuffer<float>(3);
        var halo = arguments.CpuBuffer<float>(4);
        var agg = arguments.CpuBuffer<float>(5);
        int n = arguments.Int32(6), haloCount = arguments.Int32(7), width = arguments.Int32(8);
        CheckSizes("gcn_aggregate", rowStart, columns, coefficients, n, n + haloCount, (x, n, width), (halo, haloCount, width), (agg, n, width));
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, v =>
        {
            ReadOnlySpan<int> start = rowStart.Span, column = columns.Span;
            ReadOnlySpan<float> coefficient = coefficients.Span, inner = x.Span, outer = halo.Span;
            var target = agg.Span.Slice(v * width, width);
            target.Clear();

            // Entry-major, so each source row is read once per entry; every (v, j) still sums its entries in increasing e.
            for (var e = start[v]; e < start[v + 1]; e++)
            {
                var c = column[e];
                var source = c < n ? inner.Slice(c * width, width) : outer.Slice((c - n) * width, width);
                RowArithmetic.AddScaled(target, source, coefficient[e]);
            }
        });
    }

    private static void AggregateTransposeTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var columnStart = arguments.CpuBuffer<int>(0);
        var rows = arguments.CpuBuffer<int>(1);
        var coefficients = arguments.CpuBuffer<float>(2);
        var dagg = arguments.CpuBuffer<float>(3);
        var dx = arguments.CpuBuffer<float>(4);
        var dhalo = arguments.CpuBuffer<float>(5);
        int n = arguments.Int32(6), haloCount = arguments.Int32(7), width = arguments.Int32(8);
        CheckSizes("gcn_aggregate_transpose", columnStart, rows, coefficients, n + haloCount, n, (dagg, n, width), (dx, n, width), (dhalo, haloCount, width));
        Parallel.For(0, n + haloCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            ReadOnlySpan<int> start = columnStart.Span, row = rows.Span;
            ReadOnlySpan<float> coefficient = coefficients.Span, source = dagg.Span;
            var target = c < n ? dx.Span.Slice(c * width, width) : dhalo.Span.Slice((c - n) * width, width);
            for (var k = start[c]; k < start[c + 1]; k++)
            {
                RowArithmetic.AddScaled(target, source.Slice(row[k] * width, width), coefficient[k]);
            }
        });
    }

    /// <summary>
    /// Checks what the GPU kernel takes on trust: a monotone CSR of <paramref name="rowCount"/> rows whose indices lie
    /// in 0..<paramref name="indexLimit"/>-1, and matrices large enough for their (rows, width). A wrong size here would
    /// be an out-of-bounds read or write on the GPU.
    /// </summary>
    private static void CheckSizes(
        string kernel, CpuBuffer<int> start, CpuBuffer<int> indices, CpuBuffer<float> coefficients, int rowCount, int indexLimit,
        params ReadOnlySpan<(CpuBuffer<float> Buffer, int Rows, int Width)> matrices)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentOutOfRangeException.ThrowIfNegative(indexLimit);
        if (start.Length < rowCount + 1L)
        {
            throw new ArgumentException($"{kernel}: {rowCount} rows need {rowCount + 1} row starts; the buffer holds {start.Length}");
        }

        var s = start.Span;
        if (s[0] != 0)
        {
            throw new ArgumentException($"{kernel}: the first row starts at {s[0]}, not 0");
        }

        for (var r = 0; r < rowCount; r++)
        {
            if (s[r + 1] < s[r])
            {
                throw new ArgumentException($"{kernel}: row {r} ends at {s[r + 1]} before it starts at {s[r]}");
            }
        }

        var entries = s[rowCount];
        if (indices.Length < entries || coefficients.Length < entries)
        {
            throw new ArgumentException($"{kernel}: {entries} entries, but {indices.Length} indices and {coefficients.Length} coefficients");
        }

        var index = indices.Span[..entries];
        for (var e = 0; e < index.Length; e++)
        {
            if ((uint)index[e] >= (uint)indexLimit)
            {
                throw new ArgumentException($"{kernel}: entry {e} reads row {index[e]}, outside 0..{indexLimit - 1}");
            }
        }

        foreach (var (buffer, rows, width) in matrices)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rows);
            ArgumentOutOfRangeException.ThrowIfNegative(width);
            if (buffer.Length < (long)rows * width)
            {
                throw new ArgumentException($"{kernel}: a ({rows}, {width}) matrix needs {(long)rows * width} elements; its buffer holds {buffer.Length}");
            }
        }
    }
}
