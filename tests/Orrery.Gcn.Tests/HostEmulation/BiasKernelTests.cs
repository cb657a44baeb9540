using Orrery.Compute;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;
using static Orrery.Compute.DeviceBuffers;
using static Orrery.Gcn.Tests.HostEmulation.DenseKernelData;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// The bias kernels of kernels/gcn_dense.cu (broadcast, broadcast-add, column sums), compiled by g++ and run on host
/// threads (<see cref="HostEmulatedGpu"/>), against their CPU twins in <see cref="GcnDenseKernels"/>, and the twins
/// against the loops PartitionModel ran before it launched them (<see cref="Problem.Reference"/>). Bitwise equality.
/// </summary>
public sealed class BiasKernelTests
{
    public static TheoryData<int, int> Shapes
    {
        get
        {
            var cases = new TheoryData<int, int>();
            foreach (var rows in new[] { 1, 33, 300 })
            {
                foreach (var width in new[] { 1, 7, 13, 16, 64 })
                {
                    cases.Add(rows, width);
                }
            }

            return cases;
        }
    }

    /// <summary>
    /// Rows 1, 33, 300 x widths 1, 7, 13, 16, 64: z set to the bias, a second bias added, and the column sums of a gradient
    /// added onto nonzero sums; the outputs start from other values, so an element the kernel missed would show.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheKernelsMatchTheTwins(int rows, int width)
    {
        var problem = Problem.Random(rows, width, seed: (rows * 10) + width);
        using var cpu = TwinDevice();
        using var gpu = new HostEmulatedGpu(GcnDenseHostKernels.Register);
        problem.Run(cpu).AssertSameBits(problem.Run(gpu), $"{rows} x {width}");
        Assert.Equal(3, gpu.Launches);
    }

    /// <summary>
    /// The twins give the bits of PartitionModel's former Broadcast, AddBroadcast and ColumnSums; the column sums taken
    /// in reverse row order give other bits, so a reordering would be seen.
    /// </summary>
    [Theory]
    [InlineData(1, 7)]
    [InlineData(33, 16)]
    [InlineData(300, 64)]
    public void TheTwinsGiveTheBitsOfTheHostLoops(int rows, int width)
    {
        var problem = Problem.Random(rows, width, seed: rows * width);
        using var cpu = TwinDevice();
        var twins = problem.Run(cpu);
        problem.Reference().AssertSameBits(twins, $"{rows} x {width} against the host loops");
        if (rows == 300)
        {
            Assert.False(SameBits(problem.Reference(reverseRows: true).Sums, twins.Sums), "the column sums in reverse gave the same bits: the inputs do not test the order");
        }
    }

    private sealed record Outputs(float[] Broadcast, float[] Added, float[] Sums)
    {
        public void AssertSameBits(Outputs actual, string what)
        {
            DenseKernelData.AssertSameBits(Broadcast, actual.Broadcast, $"{what}: broadcast");
            DenseKernelData.AssertSameBits(Added, actual.Added, $"{what}: broadcast-add");
            DenseKernelData.AssertSameBits(Sums, actual.Sums, $"{what}: column sums");
        }
    }

    /// <summary>Two biases (width), a matrix to overwrite and one to add to (rows, width), a gradient and starting sums.</summary>
    private sealed record Problem(int Rows, int Width, float[] Bias, float[] SecondBias, float[] Start, float[] Gradient, float[] SumsStart)
    {
        public static Problem Random(int rows, int width, int seed)
        {
            var random = new Random(seed);
            return new Problem(rows, width, Values(random, width), Values(random, width), Values(random, rows * width), Values(random, rows * width), Values(random, width));
        }

        /// <summary>out = bias on a matrix holding <see cref="Start"/>, then out += second bias; sums += column sums of the gradient.</summary>
        public Outputs Run(IComputeDevice device)
        {
            int n = Rows, w = Width;
            using var output = Upload(device, Start);
            using var bias = Upload(device, Bias);
            using var second = Upload(device, SecondBias);
            using var gradient = Upload(device, Gradient);
            using var sums = Upload(device, SumsStart);
            GcnDenseKernels.LaunchBroadcastRows(device, output, bias, n, w, accumulate: false);
            var broadcast = Download(output, n * w);
            GcnDenseKernels.LaunchBroadcastRows(device, output, second, n, w, accumulate: true);
            GcnDenseKernels.LaunchColumnSums(device, gradient, sums, n, w);
            return new Outputs(broadcast, Download(output, n * w), Download(sums, w));
        }

        /// <summary>PartitionModel.Broadcast, AddBroadcast and ColumnSums as they were (rows in reverse for the sums when asked).</summary>
        public Outputs Reference(bool reverseRows = false)
        {
            var output = (float[])Start.Clone();
            for (var i = 0; i < Rows; i++)
            {
                Bias.AsSpan().CopyTo(output.AsSpan(i * Width, Width));
            }

            var broadcast = (float[])output.Clone();
            for (var i = 0; i < Rows; i++)
            {
                var r = output.AsSpan(i * Width, Width);
                for (var j = 0; j < r.Length; j++)
                {
                    r[j] += SecondBias[j];
                }
            }

            var sums = (float[])SumsStart.Clone();
            for (var k = 0; k < Rows; k++)
            {
                var row = Gradient.AsSpan((reverseRows ? Rows - 1 - k : k) * Width, Width);
                for (var j = 0; j < row.Length; j++)
                {
                    sums[j] += row[j];
                }
            }

            return new Outputs(broadcast, output, sums);
        }
    }
}
