using Orrery.Compute;
using Orrery.Compute.Random;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;
using static Orrery.Compute.DeviceBuffers;
using static Orrery.Gcn.Tests.HostEmulation.DenseKernelData;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// Dropout of kernels/gcn_dense.cu (forward and backward), compiled by g++ and run on host threads
/// (<see cref="HostEmulatedGpu"/>), against its CPU twins in <see cref="GcnDenseKernels"/>, and the twins against the loop
/// PartitionModel ran before it launched them (<see cref="Problem.Reference"/>). The streams are built as PartitionModel
/// builds them (feature masks per (iteration, layer), the precomputed aggregate's per iteration), the rows carry global
/// node ids up to 2^31 − 1, so the draw index needs its 64 bits. Bitwise equality, not a tolerance.
/// </summary>
public sealed class DropoutKernelTests
{
    private const ulong FeatureDropoutStream = 0x64726F70_00000000UL;   // PartitionModel's
    private const ulong AggregateDropoutStream = 0x61676772_00000000UL; // PartitionModel's

    public static TheoryData<int, int, float> Shapes
    {
        get
        {
            var cases = new TheoryData<int, int, float>();
            foreach (var rows in new[] { 1, 33, 300 })
            {
                foreach (var width in new[] { 1, 7, 16, 40, 64 })
                {
                    foreach (var rate in new[] { 0f, 0.5f })
                    {
                        cases.Add(rows, width, rate);
                    }
                }
            }

            return cases;
        }
    }

    /// <summary>
    /// Rows 1, 33, 300, widths 1, 7 (a last column block of 3), 16, 40 (two of the twin's four-block AVX2 groups and two
    /// blocks after them), 64, rates 0 and 0.5, each on four streams: iterations 0, 1 and 4095 of layers 0 to 2, and the
    /// aggregate's stream, with the scale written for the feature masks and not for the aggregate's (as PartitionModel
    /// does); then the backward multiplies a gradient by the scale. At rate 0 nothing is launched and x keeps its bits.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheKernelsMatchTheTwins(int rows, int width, float rate)
    {
        using var cpu = TwinDevice();
        using var gpu = new HostEmulatedGpu(GcnDenseHostKernels.Register);
        var problem = Problem.Random(rows, width, seed: (rows * 100) + width);
        foreach (var (stream, writeScale) in Streams())
        {
            var expected = problem.Run(cpu, stream, rate, writeScale);
            var actual = problem.Run(gpu, stream, rate, writeScale);
            var what = $"{rows} x {width}, rate {rate}, stream {stream:x}";
            AssertSameBits(expected.X, actual.X, $"{what}: x");
            AssertSameBits(expected.Scale, actual.Scale, $"{what}: scale");
            AssertSameBits(expected.Dx, actual.Dx, $"{what}: dx");
            if (rate == 0f)
            {
                AssertSameBits(problem.X, actual.X, $"{what}: x at rate 0");
            }
        }

        Assert.Equal(rate == 0f ? 0 : 4 + 3, gpu.Launches); // four masks, three of them with a backward
    }

    /// <summary>
    /// The twins give the bits of PartitionModel's former ApplyDropout loop and its backward, and at rate 0.5 on 300 x 64
    /// they drop about half of the elements (a wrong word or counter would still drop about half, which is why the bits
    /// are compared too), and a mask drawn under another stream differs.
    /// </summary>
    [Theory]
    [InlineData(33, 7, 0.5f)]
    [InlineData(300, 64, 0.5f)]
    [InlineData(300, 16, 0.25f)]
    [InlineData(33, 16, 0f)]
    public void TheTwinsGiveTheBitsOfTheHostLoop(int rows, int width, float rate)
    {
        using var cpu = TwinDevice();
        var problem = Problem.Random(rows, width, seed: rows + width);
        foreach (var (stream, writeScale) in Streams())
        {
            var twins = problem.Run(cpu, stream, rate, writeScale);
            var reference = problem.Reference(stream, rate, writeScale);
            AssertSameBits(reference.X, twins.X, $"x, stream {stream:x}");
            AssertSameBits(reference.Scale, twins.Scale, $"scale, stream {stream:x}");
            AssertSameBits(reference.Dx, twins.Dx, $"dx, stream {stream:x}");
        }

        if (rows == 300 && width == 64)
        {
            var (stream, _) = Streams().First();
            var mask = problem.Run(cpu, stream, rate, writeScale: true).Scale;
            var dropped = mask.Count(s => s == 0f);
            Assert.InRange(dropped, mask.Length * 0.45, mask.Length * 0.55);
            Assert.False(SameBits(mask, problem.Run(cpu, stream + 1, rate, writeScale: true).Scale));
        }
    }

    /// <summary>(stream, whether the launch writes the scale), as PartitionModel forms them.</summary>
    private static IEnumerable<(ulong Stream, bool WriteScale)> Streams()
    {
        foreach (var (iteration, layer) in new[] { (0, 0), (1, 1), (4095, 2) })
        {
            yield return (FeatureDropoutStream | ((ulong)(uint)iteration << 8) | (uint)layer, true);
        }

        yield return (AggregateDropoutStream | (7UL << 8), false);
    }

    private sealed record Outputs(float[] X, float[] Scale, float[] Dx);

    /// <summary>x (rows, width) of nodes with the given global ids, a gradient to push back, and the model's seed.</summary>
    private sealed record Problem(int Rows, int Width, int[] Inner, float[] X, float[] Dx, ulong Seed)
    {
        public static Problem Random(int rows, int width, int seed)
        {
            var random = new Random(seed);
            var inner = Enumerable.Range(0, rows).Select(_ => random.Next()).ToArray();
            inner[0] = int.MaxValue;
            return new Problem(rows, width, inner, Values(random, rows * width), Values(random, rows * width), 0x0123_4567_89AB_CDEFUL);
        }

        /// <summary>The forward on <paramref name="device"/>, and when it wrote the scale the backward of <see cref="Dx"/>.</summary>
        public Outputs Run(IComputeDevice device, ulong stream, float rate, bool writeScale)
        {
            int n = Rows, w = Width;
            using var x = Upload(device, X);
            using var scale = Upload(device, Enumerable.Repeat(-1f, n * w).ToArray());
            using var inner = Upload(device, Inner);
            using var dx = Upload(device, Dx);
            GcnDenseKernels.LaunchDropout(device, x, writeScale ? scale : null, inner, n, w, Seed, stream, rate);
            if (writeScale && rate > 0f)
            {
                GcnDenseKernels.LaunchDropoutBackward(device, dx, scale, n * w);
            }

            return new Outputs(Download(x, n * w), Download(scale, n * w), Download(dx, n * w));
        }

        /// <summary>PartitionModel.ApplyDropout and FinishBackwardLayer's mask as they were before they launched the kernels.</summary>
        public Outputs Reference(ulong stream, float rate, bool writeScale)
        {
            var x = (float[])X.Clone();
            var scale = Enumerable.Repeat(-1f, Rows * Width).ToArray();
            var dx = (float[])Dx.Clone();
            if (rate == 0f)
            {
                return new Outputs(x, scale, dx);
            }

            var width = Width;
            var keep = 1f / (1f - rate);
            var blocksPerRow = (ulong)((width + 3) / 4);
            for (var i = 0; i < Rows; i++)
            {
                var global = (ulong)Inner[i];
                var row = x.AsSpan(i * width, width);
                for (var j = 0; j < width; j += 4)
                {
                    var block = Philox4x32.Generate(Seed, stream, global * blocksPerRow + (ulong)(j / 4));
                    ReadOnlySpan<uint> words = [block.X0, block.X1, block.X2, block.X3];
                    for (var w = 0; w < 4 && j + w < width; w++)
                    {
                        var s = NormalTransform.Uniform(words[w]) < rate ? 0f : keep;
                        if (writeScale)
                        {
                            scale[i * width + j + w] = s;
                        }

                        row[j + w] *= s;
                    }
                }
            }

            if (writeScale)
            {
                for (var k = 0; k < dx.Length; k++)
                {
                    dx[k] *= scale[k];
                }
            }

            return new Outputs(x, scale, dx);
        }
    }
}
