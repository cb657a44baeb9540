using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Testing.HostEmulation;
using static Orrery.Compute.DeviceBuffers;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// kernels/gcn.cu, compiled by g++ and run on host threads (<see cref="HostEmulatedGpu"/>), against its
/// CPU twins in <see cref="GcnKernels"/>, and the twins against the serial loops PartitionModel ran before it launched
/// them. Bitwise equality is expected, not a tolerance: every side rounds each product and each add once, in the same
/// order per output element, so any difference is a bug. The inputs span 16 binades, so a sum taken in another order
/// would differ (one test checks that it does).
/// </summary>
public sealed class GcnKernelTests
{
    public static TheoryData<GcnLayerKind, int, int> PartitionCases
    {
        get
        {
            var cases = new TheoryData<GcnLayerKind, int, int>();
            foreach (var kind in new[] { GcnLayerKind.Sage, GcnLayerKind.Gcn })
            {
                foreach (var parts in new[] { 1, 3 })
                {
                    foreach (var width in new[] { 1, 7, 13, 64 })
                    {
                        cases.Add(kind, parts, width);
                    }
                }
            }

            return cases;
        }
    }

    /// <summary>
    /// Every part of a small CSBM split 3 ways at random (and the whole graph as one part, whose halo is empty), both layer
    /// kinds (1/deg and 1/sqrt(deg deg) coefficients), widths below, between and above the 32 lanes of a row's warp (13: the CPU twin's SIMD lanes and a scalar tail).
    /// The backward starts dx from nonzero values, as the SAGE layer's self term leaves it.
    /// </summary>
    [Theory]
    [MemberData(nameof(PartitionCases))]
    public void TheKernelsMatchTheTwinsOnEveryPart(GcnLayerKind kind, int parts, int width)
    {
        var graph = TestGraphs.SmallCsbm();
        var assignment = parts == 1 ? new int[graph.NodeCount] : RandomPartitioner.Partition(graph.NodeCount, parts, seed: 1);
        var plans = PartitionPlan.Build(graph, assignment, parts, kind);
        using var cpu = TwinDevice();
        using var gpu = new HostEmulatedGpu(GcnHostKernels.Register);
        foreach (var plan in plans)
        {
            Assert.Equal(parts > 1, plan.HaloCount > 0);
            var problem = Problem.From(plan, width, seed: 100 * plan.Part + width);
            var expected = problem.Run(cpu);
            var actual = problem.Run(gpu);
            AssertSameBits(expected, actual, $"{kind}, part {plan.Part} of {parts}, width {width}");
        }

        Assert.Equal(2 * parts, gpu.Launches);
    }

    /// <summary>
    /// A hand-built CSR that no plan produces: rows without entries (agg 0), a column read twice by one row, columns
    /// read by no row (their gradient stays what it was), a halo column read by every row, and 19 rows, so the last of
    /// three blocks is partly empty.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void TheKernelsMatchTheTwinsOnEmptyRowsAndRepeatedColumns(int width)
    {
        const int n = 19, h = 4;
        var rows = new List<int>[n];
        for (var v = 0; v < n; v++)
        {
            rows[v] = v % 5 == 3 ? [] : [v, (v * 7) % n, (v * 7) % n, n + 2];
        }

        rows[0] = [n + 2];
        var rowStart = new int[n + 1];
        for (var v = 0; v < n; v++)
        {
            rowStart[v + 1] = rowStart[v] + rows[v].Count;
        }

        int[] columns = [.. rows.SelectMany(r => r)];
        var random = new Random(5);
        float[] coefficients = [.. columns.Select(_ => Value(random))];
        var problem = Problem.From(rowStart, columns, coefficients, n, h, width, seed: width);
        Assert.Contains(problem.Transposed.ColumnStart.Zip(problem.Transposed.ColumnStart.Skip(1)), pair => pair.First == pair.Second);
        using var cpu = TwinDevice();
        using var gpu = new HostEmulatedGpu(GcnHostKernels.Register);
        var expected = problem.Run(cpu);
        AssertSameBits(expected, problem.Run(gpu), $"hand-built CSR, width {width}");
        AssertSameBits(problem.Reference(), expected, $"hand-built CSR against the serial loops, width {width}");
        for (var v = 3; v < n; v += 5)
        {
            Assert.All(expected.Aggregate.AsSpan(v * width, width).ToArray(), value => Assert.Equal(0u, BitConverter.SingleToUInt32Bits(value)));
        }
    }

    /// <summary>
    /// The twins give the bits of the loops PartitionModel.Aggregate and ScatterAggregateGradient ran before they
    /// launched the kernels (kept here as <see cref="Problem.Reference"/>): entry-major sums from 0 for the forward, a
    /// serial scatter in ascending source row onto dx's and a zeroed dhalo's contents for the backward. The same sums in
    /// reverse order give other bits, so the comparison would see a reordering.
    /// </summary>
    [Theory]
    [InlineData(GcnLayerKind.Sage)]
    [InlineData(GcnLayerKind.Gcn)]
    public void TheTwinsGiveTheBitsOfTheSerialLoops(GcnLayerKind kind)
    {
        var graph = TestGraphs.SmallCsbm();
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 3, seed: 2), 3, kind);
        using var cpu = TwinDevice();
        var reordered = false;
        foreach (var plan in plans)
        {
            var problem = Problem.From(plan, 16, seed: plan.Part);
            var twins = problem.Run(cpu);
            AssertSameBits(problem.Reference(), twins, $"{kind}, part {plan.Part}");
            reordered |= !SameBits(problem.Reference(reverse: true).Aggregate, twins.Aggregate);
        }

        Assert.True(reordered, "summing the rows in reverse order gave the same bits everywhere: the inputs do not test the order");
    }

    [Fact]
    public void TheTransposeListsEachColumnsSourcesInAscendingRow()
    {
        var graph = TestGraphs.SmallCsbm();
        var plan = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 3, seed: 1), 3, GcnLayerKind.Gcn)[1];
        var transposed = TransposedAdjacency.Build(plan);
        Assert.Equal(plan.InnerCount + plan.HaloCount, transposed.ColumnCount);
        Assert.Equal(plan.EdgeCount, transposed.ColumnStart[^1]);
        var expected = new List<(int Column, int Row, float Coefficient)>();
        for (var v = 0; v < plan.InnerCount; v++)
        {
            for (var e = plan.RowStart[v]; e < plan.RowStart[v + 1]; e++)
            {
                expected.Add((plan.Columns[e], v, plan.Coefficients[e]));
            }
        }

        var actual = new List<(int Column, int Row, float Coefficient)>();
        for (var c = 0; c < transposed.ColumnCount; c++)
        {
            for (var k = transposed.ColumnStart[c]; k < transposed.ColumnStart[c + 1]; k++)
            {
                actual.Add((c, transposed.Rows[k], transposed.Coefficients[k]));
            }
        }

        // A stable sort by column keeps each column's entries in ascending row: the order the transpose must list them in.
        Assert.Equal(expected.OrderBy(entry => entry.Column), actual);
        Assert.Throws<ArgumentException>(() => TransposedAdjacency.Build([0, 1], [5], [1f], 3));
    }

    [Fact]
    public void TheTwinRefusesAColumnOutsideTheRows()
    {
        var problem = Problem.From([0, 2], [0, 3], [1f, 1f], n: 1, h: 1, width: 4, seed: 0);
        using var cpu = TwinDevice();
        Assert.Contains("reads row 3", Assert.Throws<ArgumentException>(() => problem.Run(cpu)).Message);
    }

    private static CpuDevice TwinDevice()
    {
        var device = new CpuDevice();
        GcnKernels.Register(device.Kernels);
        GcnKernels.Register(device.Kernels); // a second registration (another model on the device) changes nothing
        return device;
    }

    /// <summary>A value in ±[2^-8, 2^8): many binades, so sums round differently in different orders.</summary>
    private static float Value(Random random) => (float)((random.NextDouble() + 0.5) * (random.Next(2) == 0 ? -1 : 1) * Math.Pow(2, random.Next(-8, 8)));

    private static bool SameBits(float[] expected, float[] actual) =>
        expected.Length == actual.Length && expected.Select(BitConverter.SingleToUInt32Bits).SequenceEqual(actual.Select(BitConverter.SingleToUInt32Bits));

    private static void AssertSameBits(Outputs expected, Outputs actual, string what)
    {
        AssertSameBits(expected.Aggregate, actual.Aggregate, $"{what}: agg");
        AssertSameBits(expected.Dx, actual.Dx, $"{what}: dx");
        AssertSameBits(expected.Dhalo, actual.Dhalo, $"{what}: dhalo");
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var differing = Enumerable.Range(0, expected.Length).Where(i => BitConverter.SingleToUInt32Bits(expected[i]) != BitConverter.SingleToUInt32Bits(actual[i])).ToList();
        if (differing.Count > 0)
        {
            var i = differing[0];
            Assert.Fail($"{what}: {differing.Count} of {expected.Length} elements differ; the first, {i}, is {expected[i]:R} expected, {actual[i]:R} actual");
        }
    }

    private sealed record Outputs(float[] Aggregate, float[] Dx, float[] Dhalo);

    /// <summary>One aggregation problem: a CSR of n rows over n + h columns, its transpose, and inputs of width w.</summary>
    private sealed record Problem(int[] RowStart, int[] Columns, float[] Coefficients, TransposedAdjacency Transposed, int N, int H, int Width,
        float[] X, float[] Halo, float[] Dagg, float[] DxStart)
    {
        public static Problem From(PartitionPlan plan, int width, int seed) =>
            From(plan.RowStart, plan.Columns, plan.Coefficients, plan.InnerCount, plan.HaloCount, width, seed);

        public static Problem From(int[] rowStart, int[] columns, float[] coefficients, int n, int h, int width, int seed)
        {
            var random = new Random(seed);
            float[] Values(int count) => [.. Enumerable.Range(0, count).Select(_ => Value(random))];
            var transposed = TransposedAdjacency.Build(rowStart, columns, coefficients, Math.Max(n + h, columns.DefaultIfEmpty(-1).Max() + 1));
            return new Problem(rowStart, columns, coefficients, transposed, n, h, width, Values(n * width), Values(h * width), Values(n * width), Values(n * width));
        }

        /// <summary>agg, then dx (from <see cref="DxStart"/>) and dhalo (from 0), launched on <paramref name="device"/>.</summary>
        public Outputs Run(IComputeDevice device)
        {
            using var rowStart = Upload(device, RowStart);
            using var columns = Upload(device, Columns);
            using var coefficients = Upload(device, Coefficients);
            using var columnStart = Upload(device, Transposed.ColumnStart);
            using var rows = Upload(device, Transposed.Rows);
            using var transposedCoefficients = Upload(device, Transposed.Coefficients);
            using var x = Upload(device, X);
            using var halo = Upload(device, Halo);
            using var agg = Upload(device, new float[N * Width]);
            using var dagg = Upload(device, Dagg);
            using var dx = Upload(device, DxStart);
            using var dhalo = Upload(device, new float[H * Width]);
            GcnKernels.LaunchAggregate(device, rowStart, columns, coefficients, x, halo, agg, N, H, Width);
            GcnKernels.LaunchAggregateTranspose(device, columnStart, rows, transposedCoefficients, dagg, dx, dhalo, N, H, Width);
            return new Outputs(Download(agg, N * Width), Download(dx, N * Width), Download(dhalo, H * Width));
        }

        /// <summary>
        /// The loops PartitionModel ran before it launched the kernels: agg[v] += coef_e · x_ext[col_e] over e (or over e
        /// backwards, to show the order matters), and dx_ext[col_e] += coef_e · dagg[v] serially over v ascending.
        /// </summary>
        public Outputs Reference(bool reverse = false)
        {
            var agg = new float[N * Width];
            var dx = (float[])DxStart.Clone();
            var dhalo = new float[H * Width];
            for (var v = 0; v < N; v++)
            {
                var target = agg.AsSpan(v * Width, Width);
                for (var i = RowStart[v]; i < RowStart[v + 1]; i++)
                {
                    var e = reverse ? RowStart[v + 1] - 1 - (i - RowStart[v]) : i;
                    var c = Columns[e];
                    ReadOnlySpan<float> source = c < N ? X.AsSpan(c * Width, Width) : Halo.AsSpan((c - N) * Width, Width);
                    var coefficient = Coefficients[e];
                    for (var j = 0; j < Width; j++)
                    {
                        target[j] += coefficient * source[j];
                    }
                }
            }

            for (var v = 0; v < N; v++)
            {
                var source = Dagg.AsSpan(v * Width, Width);
                for (var e = RowStart[v]; e < RowStart[v + 1]; e++)
                {
                    var c = Columns[e];
                    var target = c < N ? dx.AsSpan(c * Width, Width) : dhalo.AsSpan((c - N) * Width, Width);
                    var coefficient = Coefficients[e];
                    for (var j = 0; j < Width; j++)
                    {
                        target[j] += coefficient * source[j];
                    }
                }
            }

            return new Outputs(agg, dx, dhalo);
        }
    }
}
