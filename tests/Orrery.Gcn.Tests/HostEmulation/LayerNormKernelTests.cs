using Orrery.Compute;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;
using static Orrery.Compute.DeviceBuffers;
using static Orrery.Gcn.Tests.HostEmulation.DenseKernelData;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// LayerNorm + ReLU of kernels/gcn_dense.cu, forward and backward, compiled by g++ and run on host threads
/// (<see cref="HostEmulatedGpu"/>), against its CPU twins in <see cref="GcnDenseKernels"/>, and the twins against the
/// loops PartitionModel ran before it launched them (kept here as <see cref="Problem.Reference"/>). Bitwise equality,
/// not a tolerance: every side rounds the same float and double operations once each, in the same order.
/// </summary>
public sealed class LayerNormKernelTests
{
    private const float NormEpsilon = 1e-5f; // PartitionModel's

    public static TheoryData<int, int> Shapes
    {
        get
        {
            var cases = new TheoryData<int, int>();
            foreach (var rows in new[] { 1, 33, 35, 300 })
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
    /// 1, 33, 35 and 300 rows (one block, a partly empty second one; the twins' groups of four rows whole, with one row
    /// left over and with three), widths 1 (every row constant: variance 0), 7, 13 (SIMD lanes and a scalar tail in the twins), 16 and 64;
    /// rows offset from 0 and spread over 16 binades, γ of both signs (so ReLU cuts), nonzero β, dγ and dβ starting nonzero
    /// as a second layer's backward finds them. Above width 1, ReLU both cuts and passes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheKernelsMatchTheTwins(int rows, int width)
    {
        var problem = Problem.Random(rows, width, seed: (31 * rows) + width);
        using var cpu = TwinDevice();
        using var gpu = new HostEmulatedGpu(GcnDenseHostKernels.Register);
        var expected = problem.Run(cpu);
        var actual = problem.Run(gpu);
        expected.AssertSameBits(actual, $"{rows} x {width}");
        Assert.Equal(3, gpu.Launches);
        if (width > 1)
        {
            Assert.Contains(expected.Y, value => value == 0f);
            Assert.Contains(expected.Y, value => value > 0f);
        }
    }

    /// <summary>
    /// The twins give the bits of PartitionModel's former loops (NormaliseAndActivate and the LayerNorm part of
    /// FinishBackwardLayer). The γ and β gradients summed over the rows in reverse give other bits, so a kernel or twin
    /// that reordered the column sums would be seen.
    /// </summary>
    [Theory]
    [InlineData(1, 7)]
    [InlineData(33, 16)]
    [InlineData(300, 64)]
    public void TheTwinsGiveTheBitsOfTheHostLoops(int rows, int width)
    {
        var problem = Problem.Random(rows, width, seed: rows + width);
        using var cpu = TwinDevice();
        var twins = problem.Run(cpu);
        problem.Reference().AssertSameBits(twins, $"{rows} x {width} against the host loops");
        if (rows == 300)
        {
            Assert.False(SameBits(problem.Reference(reverseRows: true).DGamma, twins.DGamma), "the γ gradient summed in reverse gave the same bits: the inputs do not test the order");
        }
    }

    /// <summary>A launch with buffers too small for its shape is refused by the twin (on a GPU it would read out of bounds).</summary>
    [Fact]
    public void TheTwinRefusesBuffersTooSmall()
    {
        using var cpu = TwinDevice();
        using var small = cpu.Allocate<float>(3);
        using var large = cpu.Allocate<float>(64);
        var error = Assert.Throws<ArgumentException>(() => GcnDenseKernels.LaunchLayerNormRelu(cpu, large, large, large, large, large, small, 8, 8, NormEpsilon));
        Assert.Contains("gcn_layer_norm_relu: a (8, 1) matrix needs 8 elements", error.Message);
    }

    private sealed record Outputs(float[] Xhat, float[] Y, float[] InverseStd, float[] Dz, float[] DGamma, float[] DBeta)
    {
        public void AssertSameBits(Outputs actual, string what)
        {
            DenseKernelData.AssertSameBits(Xhat, actual.Xhat, $"{what}: xhat");
            DenseKernelData.AssertSameBits(Y, actual.Y, $"{what}: y");
            DenseKernelData.AssertSameBits(InverseStd, actual.InverseStd, $"{what}: inverse std");
            DenseKernelData.AssertSameBits(Dz, actual.Dz, $"{what}: dz");
            DenseKernelData.AssertSameBits(DGamma, actual.DGamma, $"{what}: dγ");
            DenseKernelData.AssertSameBits(DBeta, actual.DBeta, $"{what}: dβ");
        }
    }

    /// <summary>z (rows, width), γ, β, dy and the starting dγ, dβ of one LayerNorm + ReLU.</summary>
    private sealed record Problem(int Rows, int Width, float[] Z, float[] Gamma, float[] Beta, float[] Dy, float[] DGammaStart, float[] DBetaStart)
    {
        public static Problem Random(int rows, int width, int seed)
        {
            var random = new Random(seed);
            var z = Values(random, rows * width);
            for (var i = 0; i < rows; i++)
            {
                var offset = (float)(random.NextDouble() * 8 - 4);
                for (var j = 0; j < width; j++)
                {
                    z[(i * width) + j] += offset;
                }
            }

            return new Problem(rows, width, z, Values(random, width), Values(random, width), Values(random, rows * width), Values(random, width), Values(random, width));
        }

        /// <summary>The forward, then the backward of its output, launched on <paramref name="device"/>.</summary>
        public Outputs Run(IComputeDevice device)
        {
            int n = Rows, w = Width;
            using var z = Upload(device, Z);
            using var gamma = Upload(device, Gamma);
            using var beta = Upload(device, Beta);
            using var xhat = Upload(device, new float[n * w]);
            using var y = Upload(device, new float[n * w]);
            using var inverseStd = Upload(device, new float[n]);
            using var dy = Upload(device, Dy);
            using var dz = Upload(device, new float[n * w]);
            using var dgamma = Upload(device, DGammaStart);
            using var dbeta = Upload(device, DBetaStart);
            GcnDenseKernels.LaunchLayerNormRelu(device, z, gamma, beta, xhat, y, inverseStd, n, w, NormEpsilon);
            GcnDenseKernels.LaunchLayerNormReluBackward(device, dy, y, xhat, gamma, inverseStd, dz, dgamma, dbeta, n, w);
            return new Outputs(Download(xhat, n * w), Download(y, n * w), Download(inverseStd, n), Download(dz, n * w), Download(dgamma, w), Download(dbeta, w));
        }

        /// <summary>
        /// PartitionModel.NormaliseAndActivate and the LayerNorm part of FinishBackwardLayer as they were before they
        /// launched the kernels (rows visited in reverse for the γ and β sums when <paramref name="reverseRows"/>).
        /// </summary>
        public Outputs Reference(bool reverseRows = false)
        {
            var width = Width;
            var xhat = new float[Rows * width];
            var y = new float[Rows * width];
            var inverseStd = new float[Rows];
            for (var i = 0; i < Rows; i++)
            {
                var row = Z.AsSpan(i * width, width);
                double sum = 0;
                for (var j = 0; j < width; j++)
                {
                    sum += row[j];
                }

                var mean = (float)(sum / width);
                double squares = 0;
                for (var j = 0; j < width; j++)
                {
                    var d = row[j] - mean;
                    squares += d * d;
                }

                var rstd = (float)(1.0 / Math.Sqrt(squares / width + NormEpsilon));
                inverseStd[i] = rstd;
                var normalised = xhat.AsSpan(i * width, width);
                var activated = y.AsSpan(i * width, width);
                for (var j = 0; j < width; j++)
                {
                    normalised[j] = (row[j] - mean) * rstd;
                    activated[j] = MathF.Max(0f, Gamma[j] * normalised[j] + Beta[j]);
                }
            }

            var dGamma = (float[])DGammaStart.Clone();
            var dBeta = (float[])DBetaStart.Clone();
            var dz = new float[Rows * width];
            var buffer = new float[width];
            for (var k = 0; k < Rows; k++)
            {
                var i = reverseRows ? Rows - 1 - k : k;
                var dy = Dy.AsSpan(i * width, width);
                var yRow = y.AsSpan(i * width, width);
                var xRow = xhat.AsSpan(i * width, width);
                double meanD = 0, meanDx = 0;
                for (var j = 0; j < width; j++)
                {
                    var d = yRow[j] > 0f ? dy[j] : 0f;
                    dGamma[j] += d * xRow[j];
                    dBeta[j] += d;
                    buffer[j] = d * Gamma[j];
                    meanD += buffer[j];
                    meanDx += buffer[j] * xRow[j];
                }

                var m1 = (float)(meanD / width);
                var m2 = (float)(meanDx / width);
                var dzRow = dz.AsSpan(i * width, width);
                for (var j = 0; j < width; j++)
                {
                    dzRow[j] = inverseStd[i] * (buffer[j] - m1 - xRow[j] * m2);
                }
            }

            return new Outputs(xhat, y, inverseStd, dz, dGamma, dBeta);
        }
    }
}
