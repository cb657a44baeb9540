using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.GpuCheck;
using Orrery.Testing.HostEmulation;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// orrery-gpucheck's GCN rows (<see cref="GcnChecks"/>) with the g++-built kernels/gcn.cu, gcn_dense.cu, gcn_loss.cu and gcn_rows.cu on a
/// <see cref="HostEmulatedGpu"/> as the device under test: every row must pass, so the check's inputs, launches and
/// downloads run here before a GPU machine sees them; and a kernel that gets one bit wrong must fail its rows, so the
/// check cannot pass by comparing nothing.
/// </summary>
public sealed class GpuCheckGcnTests
{
    /// <summary>
    /// 2 kernels × 2 layer kinds × 2 widths for the aggregation and as many for the row copies (gcn_rows.cu), 8 per
    /// shape × 2 shapes for gcn_dense.cu, 3 (dz, loss, correct counts) × 2 kernels × 2 shapes for gcn_loss.cu, and a
    /// training step's loss and weight gradients per layer kind.
    /// </summary>
    private const int Rows = 48;

    /// <summary>The training step's rows among them.</summary>
    private const int TrainingRows = 4;

    [Fact]
    public void EveryGcnRowPassesOnTheHostEmulatedKernels()
    {
        using var gpu = new HostEmulatedGpu(GcnHostKernels.RegisterAll);
        var (table, printed) = Run(gpu);
        Assert.True(table.AllPassed, printed);
        Assert.Equal(Rows, table.Count);
        Assert.Contains($"all {Rows} checks passed", printed);
        Assert.Equal(TrainingRows, printed.Split('\n').Count(line => line.StartsWith("gcn training step", StringComparison.Ordinal)));
        Assert.True(gpu.Launches >= Rows, $"{gpu.Launches} launches on the device under test");
    }

    [Fact]
    public void AColumnSumOneBitOffFailsItsRows()
    {
        // The real gcn_column_sums, then the lowest bit of sums[0] flipped: the smallest error a kernel could make.
        using var gpu = new HostEmulatedGpu(registry =>
        {
            var real = new CpuKernelRegistry();
            GcnHostKernels.RegisterAll(real);
            foreach (var name in real.Names)
            {
                real.TryGet(name, out var kernel);
                registry.Register(name, name == GcnDenseKernels.ColumnSums ? OneBitOff(kernel!) : kernel!);
            }
        });
        var (table, printed) = Run(gpu);
        Assert.False(table.AllPassed, printed);
        Assert.Contains($"2 of {Rows} checks FAILED", printed);
        Assert.Contains("1 of 128 outside", printed);
        Assert.Contains("1 of 7 outside", printed);
        var failing = printed.Split('\n').Where(line => line.TrimEnd().EndsWith("FAIL", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, failing.Count);
        Assert.All(failing, line => Assert.StartsWith("gcn_column_sums", line));
    }

    /// <summary>
    /// The loss rows carry a tolerance (CUDA's exp and log against libm's): a gradient one float ulp off still passes,
    /// one off by 2^-16 of its value fails the dz rows of that kernel and no other row.
    /// </summary>
    [Theory]
    [InlineData(1u, 0)]
    [InlineData(1u << 7, 2)]
    public void ALossGradientFailsOnlyOutsideItsTolerance(uint ulps, int failingRows)
    {
        using var gpu = new HostEmulatedGpu(registry =>
        {
            var real = new CpuKernelRegistry();
            GcnHostKernels.RegisterAll(real);
            foreach (var name in real.Names)
            {
                real.TryGet(name, out var kernel);
                registry.Register(name, name == GcnLossKernels.SoftmaxCrossEntropy ? GradientOff(kernel!, ulps) : kernel!);
            }
        });
        var (table, printed) = Run(gpu);
        Assert.Equal(failingRows == 0, table.AllPassed);
        var failing = printed.Split('\n').Where(line => line.TrimEnd().EndsWith("FAIL", StringComparison.Ordinal)).ToList();
        Assert.Equal(failingRows, failing.Count);
        Assert.All(failing, line => Assert.StartsWith("gcn_softmax_cross_entropy", line));
        Assert.All(failing, line => Assert.Contains(": dz", line));
    }

    [Fact]
    public void TheBitwiseComparisonCountsEveryDifferingElementAndTheLargestError()
    {
        float[] expected = [1f, 2f, 0f, float.NaN];
        Assert.True(Comparison.Bitwise([1f, 2f, 0f, float.NaN], expected).Passed);

        var comparison = Comparison.Bitwise([BitConverter.UInt32BitsToSingle(0x3F800001), 2.5f, -0f, float.NaN], expected);
        Assert.Equal(3, comparison.Failures);
        Assert.Equal(0.5, comparison.MaxAbsError);
        Assert.Equal(4, comparison.Elements);
        Assert.StartsWith("[0]: 1.0000001 vs 1", comparison.FirstFailure);
    }

    private static (CheckTable Table, string Printed) Run(IComputeDevice gpu)
    {
        var table = new CheckTable();
        var log = new StringWriter();
        // The program's own sizes (3,000 nodes, 5,000 dense rows, a 32-wide model): the GCN kernels' threads are
        // independent, so the emulation runs them on a few host threads (run_grid_independent) in about a second.
        new GcnChecks(gpu, table, log).Run();
        table.Print(log);
        return (table, log.ToString());
    }

    /// <summary>
    /// The kernel, then the largest gradient element moved by <paramref name="ulps"/> float ulps (the largest: a row whose
    /// softmax rounds to one-hot has only zeros, and a zero moved by ulps is a subnormal within the absolute tolerance).
    /// </summary>
    private static CpuKernel GradientOff(CpuKernel kernel, uint ulps) => (geometry, arguments) =>
    {
        kernel(geometry, arguments);
        var dz = arguments.CpuBuffer<float>(3).Span[..(arguments.Int32(6) * arguments.Int32(7))];
        var largest = 0;
        for (var k = 1; k < dz.Length; k++)
        {
            largest = Math.Abs(dz[k]) > Math.Abs(dz[largest]) ? k : largest;
        }

        dz[largest] = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(dz[largest]) + ulps);
    };

    private static CpuKernel OneBitOff(CpuKernel kernel) => (geometry, arguments) =>
    {
        kernel(geometry, arguments);
        var sums = arguments.CpuBuffer<float>(1).Span;
        sums[0] = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(sums[0]) ^ 1u);
    };
}
