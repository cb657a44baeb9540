using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;
using static Orrery.Compute.DeviceBuffers;
using static Orrery.Gcn.Tests.HostEmulation.DenseKernelData;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// The halo row copies of kernels/gcn_rows.cu (gathering each peer's boundary rows, adding the gradients the peers send back
/// onto them), compiled by g++ and run on host threads (<see cref="HostEmulatedGpu"/>), against their CPU twins in
/// <see cref="GcnRowKernels"/>; and the twins against the loops PartitionModel ran before it launched them
/// (<see cref="Problem.Reference"/>: BoundaryFeatures' row copies and FinishBackwardLayer's boundary-gradient add). The send
/// lists are laid out as PartitionPlan lays them out (per peer, concatenated in peer order, the own part's list empty); a
/// row is sent to several peers, so its gradient adds must keep the peer order; one peer sends nothing. Bitwise.
/// </summary>
public sealed class RowKernelTests
{
    private const int Peers = 4;

    public static TheoryData<int, int> Shapes
    {
        get
        {
            var cases = new TheoryData<int, int>();
            foreach (var rows in new[] { 1, 33, 300 })
            {
                foreach (var width in new[] { 1, 7, 64 })
                {
                    cases.Add(rows, width);
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheKernelsMatchTheTwins(int rows, int width)
    {
        using var cpu = RowTwinDevice();
        using var gpu = new HostEmulatedGpu(GcnRowHostKernels.Register);
        var problem = Problem.Random(rows, width, seed: (rows * 100) + width);
        var expected = problem.Run(cpu);
        var actual = problem.Run(gpu);
        for (var q = 0; q < Peers; q++)
        {
            AssertSameBits(expected.Blocks[q], actual.Blocks[q], $"{rows} x {width}: block of peer {q}");
        }

        AssertSameBits(expected.Dx, actual.Dx, $"{rows} x {width}: dx");
        var nonEmpty = problem.Send.Count(list => list.Length > 0);
        Assert.Equal(2 * nonEmpty, gpu.Launches);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheTwinsGiveTheBitsOfTheHostLoops(int rows, int width)
    {
        using var cpu = RowTwinDevice();
        var problem = Problem.Random(rows, width, seed: rows + width + 3);
        var twins = problem.Run(cpu);
        var reference = problem.Reference();
        for (var q = 0; q < Peers; q++)
        {
            AssertSameBits(reference.Blocks[q], twins.Blocks[q], $"block of peer {q}");
        }

        AssertSameBits(reference.Dx, twins.Dx, "dx");
    }

    private static CpuDevice RowTwinDevice()
    {
        var device = new CpuDevice();
        GcnRowKernels.Register(device.Kernels);
        GcnRowKernels.Register(device.Kernels);
        return device;
    }

    private sealed record Outputs(float[][] Blocks, float[] Dx);

    /// <summary>
    /// x and dx (rows, width), each peer's send list (distinct inner rows; peer 0 is the part itself and sends nothing,
    /// row 0 goes to every other peer) and the received gradients (send count, width).
    /// </summary>
    private sealed record Problem(int Rows, int Width, float[] X, float[] Dx, int[][] Send, int[] Offset, float[] Received)
    {
        public static Problem Random(int rows, int width, int seed)
        {
            var random = new Random(seed);
            var send = new int[Peers][];
            send[0] = [];
            for (var q = 1; q < Peers; q++)
            {
                // A random subset in random order, always with row 0; peer 3 of a one-row part gets it too.
                var chosen = Enumerable.Range(1, rows - 1).Where(_ => random.Next(3) == 0).Prepend(0).ToArray();
                random.Shuffle(chosen);
                send[q] = chosen;
            }

            var offset = new int[Peers];
            for (var q = 1; q < Peers; q++)
            {
                offset[q] = offset[q - 1] + send[q - 1].Length;
            }

            var total = send.Sum(list => list.Length);
            return new Problem(rows, width, Values(random, rows * width), Values(random, rows * width), send, offset, Values(random, total * width));
        }

        private int[] Concatenated => [.. Send.SelectMany(list => list)];

        /// <summary>Each peer's gather into one send block, then the peers' gradients added onto dx, one launch per peer in order.</summary>
        public Outputs Run(IComputeDevice device)
        {
            var w = Width;
            var total = Concatenated.Length;
            using var x = Upload(device, X);
            using var dx = Upload(device, Dx);
            using var rows = Upload(device, Concatenated);
            using var block = Upload(device, Enumerable.Repeat(float.NaN, total * w).ToArray());
            using var received = Upload(device, Received);
            var blocks = new float[Peers][];
            for (var q = 0; q < Peers; q++)
            {
                GcnRowKernels.LaunchGatherRows(device, x, rows, block, Offset[q], Send[q].Length, w);
                blocks[q] = new float[Send[q].Length * w];
                block.Download(blocks[q], (long)Offset[q] * w);
            }

            for (var q = 0; q < Peers; q++)
            {
                GcnRowKernels.LaunchScatterAddRows(device, dx, rows, received, Offset[q], Send[q].Length, w);
            }

            return new Outputs(blocks, Download(dx, Rows * w));
        }

        /// <summary>PartitionModel.BoundaryFeatures and FinishBackwardLayer's boundary add as they were before the kernels.</summary>
        public Outputs Reference()
        {
            var width = Width;
            var blocks = new float[Peers][];
            for (var q = 0; q < Peers; q++)
            {
                var rows = Send[q];
                var block = new float[rows.Length * width];
                for (var i = 0; i < rows.Length; i++)
                {
                    X.AsSpan(rows[i] * width, width).CopyTo(block.AsSpan(i * width, width));
                }

                blocks[q] = block;
            }

            var dx = (float[])Dx.Clone();
            for (var q = 0; q < Peers; q++)
            {
                var rows = Send[q];
                var offset = Offset[q];
                for (var i = 0; i < rows.Length; i++)
                {
                    var target = dx.AsSpan(rows[i] * width, width);
                    var source = Received.AsSpan((offset + i) * width, width);
                    for (var j = 0; j < width; j++)
                    {
                        target[j] += source[j];
                    }
                }
            }

            return new Outputs(blocks, dx);
        }
    }
}
