using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;
using static Orrery.Compute.DeviceBuffers;
using static Orrery.Gcn.Tests.HostEmulation.DenseKernelData;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// The loss kernels of kernels/gcn_loss.cu (softmax cross-entropy and sigmoid BCE), compiled by g++ and run on host
/// threads (<see cref="HostEmulatedGpu"/>), against their CPU twins in <see cref="GcnLossKernels"/>; and the twins with the
/// host's sum (<see cref="GcnLossKernels.SumLoss"/>) against the loop PartitionModel.ComputeLoss ran before it launched
/// them (<see cref="Problem.Reference"/>). Rows fall in every split, including rows in none (split 3 and 255), some
/// rows hold tied logits (the first argmax wins) and smoothed targets, and dz starts as NaN so an element the kernel
/// leaves unwritten shows. Bitwise equality, not a tolerance: on the host the kernel's exp and log are the libm the
/// twin's Math.Exp and Math.Log call.
/// </summary>
public sealed class LossKernelTests
{
    public static TheoryData<int, int, bool> Shapes
    {
        get
        {
            var cases = new TheoryData<int, int, bool>();
            foreach (var rows in new[] { 1, 33, 300 })
            {
                foreach (var classes in new[] { 1, 2, 7, 10 })
                {
                    foreach (var multiLabel in new[] { false, true })
                    {
                        cases.Add(rows, classes, multiLabel);
                    }
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheKernelMatchesTheTwin(int rows, int classes, bool multiLabel)
    {
        using var cpu = LossTwinDevice();
        using var gpu = new HostEmulatedGpu(GcnLossHostKernels.Register);
        var problem = Problem.Random(rows, classes, multiLabel, seed: (rows * 100) + classes);
        var expected = problem.Run(cpu);
        var actual = problem.Run(gpu);
        var what = $"{rows} x {classes}, {(multiLabel ? "multi" : "single")}-label";
        AssertSameBits(expected.Dz, actual.Dz, $"{what}: dz");
        AssertSameDoubleBits(expected.Terms, actual.Terms, $"{what}: loss terms");
        Assert.Equal(expected.CorrectRows, actual.CorrectRows);
        Assert.Equal(BitConverter.DoubleToUInt64Bits(expected.Loss), BitConverter.DoubleToUInt64Bits(actual.Loss));
        Assert.Equal(expected.Correct, actual.Correct);
        Assert.Equal(expected.Total, actual.Total);
        Assert.Equal(1, gpu.Launches);
    }

    /// <summary>
    /// The twin and the host's sum give the bits of the former ComputeLoss loop: the loss, dz (zero outside the train
    /// rows) and the counts per split; the loss is finite and not negative.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheTwinGivesTheBitsOfTheHostLoop(int rows, int classes, bool multiLabel)
    {
        using var cpu = LossTwinDevice();
        var problem = Problem.Random(rows, classes, multiLabel, seed: rows + classes + 7);
        var twin = problem.Run(cpu);
        var reference = problem.Reference();
        AssertSameBits(reference.Dz, twin.Dz, "dz");
        Assert.Equal(BitConverter.DoubleToUInt64Bits(reference.Loss), BitConverter.DoubleToUInt64Bits(twin.Loss));
        Assert.Equal(reference.Correct, twin.Correct);
        Assert.Equal(reference.Total, twin.Total);
        Assert.True(double.IsFinite(twin.Loss));
        Assert.True(twin.Loss >= 0, $"loss {twin.Loss}");
    }

    /// <summary>A CPU device with the twins of <see cref="GcnLossKernels"/> registered (twice: a second registration changes nothing).</summary>
    private static CpuDevice LossTwinDevice()
    {
        var device = new CpuDevice();
        GcnLossKernels.Register(device.Kernels);
        GcnLossKernels.Register(device.Kernels);
        return device;
    }

    private static void AssertSameDoubleBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var differing = Enumerable.Range(0, expected.Length).Where(i => BitConverter.DoubleToUInt64Bits(expected[i]) != BitConverter.DoubleToUInt64Bits(actual[i])).ToList();
        if (differing.Count > 0)
        {
            var i = differing[0];
            Assert.Fail($"{what}: {differing.Count} of {expected.Length} elements differ; the first, {i}, is {expected[i]:R} expected, {actual[i]:R} actual");
        }
    }

    private sealed record Outputs(float[] Dz, double[] Terms, int[] CorrectRows, double Loss, long[] Correct, long[] Total);

    /// <summary>
    /// Logits z and targets (rows, classes), each row's split, and the global train count that divides the loss (this
    /// part's train rows and 5 on other parts).
    /// </summary>
    private sealed record Problem(int Rows, int Classes, bool MultiLabel, float[] Z, float[] Targets, byte[] Split, int GlobalTrainCount)
    {
        public static Problem Random(int rows, int classes, bool multiLabel, int seed)
        {
            var random = new Random(seed);
            var z = Values(random, rows * classes);
            var targets = new float[rows * classes];
            byte[] splits = [0, 1, 2, 3, 255];
            var split = Enumerable.Range(0, rows).Select(i => i < splits.Length ? splits[i] : splits[random.Next(splits.Length)]).ToArray();
            for (var i = 0; i < rows; i++)
            {
                var row = targets.AsSpan(i * classes, classes);
                var logits = z.AsSpan(i * classes, classes);
                if (i % 5 == 1)
                {
                    logits.Fill(logits[0]); // ties: the first argmax is the prediction
                }

                if (multiLabel)
                {
                    for (var j = 0; j < classes; j++)
                    {
                        row[j] = random.Next(2);
                    }
                }
                else if (i % 4 == 3)
                {
                    // A smoothed target (SmoothingTarget's kind): every class some mass, the label the most.
                    var label = random.Next(classes);
                    for (var j = 0; j < classes; j++)
                    {
                        row[j] = j == label ? 0.9f : 0.1f / classes;
                    }
                }
                else
                {
                    row[random.Next(classes)] = 1f;
                }
            }

            var train = split.Count(s => s == 0);
            return new Problem(rows, classes, multiLabel, z, targets, split, train + 5);
        }

        private double Divisor => (double)Math.Max(1, GlobalTrainCount) * (MultiLabel ? Classes : 1);

        /// <summary>The launch on <paramref name="device"/>, its outputs downloaded, and the host's sum of them.</summary>
        public Outputs Run(IComputeDevice device)
        {
            int n = Rows, c = Classes;
            using var z = Upload(device, Z);
            using var targets = Upload(device, Targets);
            using var split = Upload(device, Split);
            using var dz = Upload(device, Enumerable.Repeat(float.NaN, n * c).ToArray());
            using var terms = Upload(device, Enumerable.Repeat(double.NaN, n * c).ToArray());
            using var correctRows = Upload(device, Enumerable.Repeat(-1, n).ToArray());
            GcnLossKernels.LaunchLoss(device, z, targets, split, dz, terms, correctRows, n, c, MultiLabel, (float)(1.0 / Divisor));
            var termsOnHost = Download(terms, n * c);
            var correctOnHost = Download(correctRows, n);
            long[] correct = new long[3], total = new long[3];
            var loss = GcnLossKernels.SumLoss(termsOnHost, correctOnHost, Split, c, MultiLabel, correct, total);
            return new Outputs(Download(dz, n * c), termsOnHost, correctOnHost, loss / Divisor, correct, total);
        }

        /// <summary>PartitionModel.ComputeLoss as it was before it launched the kernels, on plain arrays.</summary>
        public Outputs Reference()
        {
            var classes = Classes;
            var dz = new float[Rows * classes];
            var correct = new long[3];
            var total = new long[3];
            double loss = 0;
            var divisor = Divisor;
            var scale = (float)(1.0 / divisor);
            for (var i = 0; i < Rows; i++)
            {
                var split = Split[i];
                if (split > 2)
                {
                    continue;
                }

                ReadOnlySpan<float> logits = Z.AsSpan(i * classes, classes);
                ReadOnlySpan<float> target = Targets.AsSpan(i * classes, classes);
                if (MultiLabel)
                {
                    for (var j = 0; j < classes; j++)
                    {
                        correct[split] += (logits[j] > 0f) == (target[j] > 0.5f) ? 1 : 0;
                    }

                    total[split] += classes;
                    if (split == 0)
                    {
                        var gradient = dz.AsSpan(i * classes, classes);
                        for (var j = 0; j < classes; j++)
                        {
                            double x = logits[j], t = target[j];
                            loss += Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                            gradient[j] = (float)(1 / (1 + Math.Exp(-x)) - t) * scale;
                        }
                    }

                    continue;
                }

                int predicted = 0, label = 0;
                for (var j = 1; j < classes; j++)
                {
                    predicted = logits[j] > logits[predicted] ? j : predicted;
                    label = target[j] > target[label] ? j : label;
                }

                correct[split] += predicted == label ? 1 : 0;
                total[split]++;
                if (split == 0)
                {
                    var max = logits[predicted];
                    double sum = 0;
                    for (var j = 0; j < classes; j++)
                    {
                        sum += Math.Exp(logits[j] - max);
                    }

                    var logSum = max + Math.Log(sum);
                    var gradient = dz.AsSpan(i * classes, classes);
                    for (var j = 0; j < classes; j++)
                    {
                        loss -= target[j] * (logits[j] - logSum);
                        gradient[j] = (float)(Math.Exp(logits[j] - logSum) - target[j]) * scale;
                    }
                }
            }

            return new Outputs(dz, [], [], loss / divisor, correct, total);
        }
    }
}
