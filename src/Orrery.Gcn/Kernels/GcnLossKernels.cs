using Orrery.Compute;
using Orrery.Compute.Cpu;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// The kernels of <c>kernels/gcn_loss.cu</c> (the loss, its gradient into the logits and the per-row correctness), by
/// name, how to launch them, their CPU twins, and the host's sum of their outputs. Each twin computes what the CUDA
/// kernel computes from the same arguments, with the same float and double operations, each rounded once, in the same
/// order; exp and log are the platform's (Math.Exp and Math.Log call the C runtime's, which the g++-built kernel calls
/// too, so tests/Orrery.Gcn.Tests/HostEmulation/ compares the two bit for bit; CUDA's may differ by an ulp).
/// </summary>
public static class GcnLossKernels
{
    /// <summary>Threads per block gcn_loss.cu is written for (<c>GCN_LOSS_THREADS</c>); one thread per row.</summary>
    public const int ThreadsPerBlock = 256;

    private static readonly Lock RegistrationGate = new();

    /// <summary>
    /// <c>gcn_softmax_cross_entropy(const float* z, const float* target, const unsigned char* split, float* dz,
    /// double* loss_terms, int* correct, int n, int classes, float scale)</c>: per row, whether the first argmax of the
    /// logits is the first argmax of the target; for train rows (split 0) the negated cross-entropy terms
    /// t_j (z_j − logsumexp z) and dz = (softmax z − t) · scale; zeros in every other row.
    /// </summary>
    public static KernelName SoftmaxCrossEntropy { get; } = new("gcn_loss", "gcn_softmax_cross_entropy");

    /// <summary>
    /// <c>gcn_sigmoid_bce(...)</c>, the same arguments: per row, how many classes have (z &gt; 0) == (t &gt; 0.5); for train
    /// rows the terms max(x, 0) − x t + log(1 + exp(−|x|)) and dz = (sigmoid x − t) · scale; zeros in every other row.
    /// </summary>
    public static KernelName SigmoidBce { get; } = new("gcn_loss", "gcn_sigmoid_bce");

    /// <summary>
    /// Registers the twins in <paramref name="registry"/> unless they already are (every model calls it for its device,
    /// and several models share one CPU device).
    /// </summary>
    public static void Register(CpuKernelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        lock (RegistrationGate)
        {
            RegisterOnce(registry, SoftmaxCrossEntropy, SoftmaxCrossEntropyTwin);
            RegisterOnce(registry, SigmoidBce, SigmoidBceTwin);
        }
    }

    /// <summary>
    /// Launches <see cref="SigmoidBce"/> (<paramref name="multiLabel"/>) or <see cref="SoftmaxCrossEntropy"/> on the
    /// logits z (n, classes) with target (n, classes) and split (n): writes dz and lossTerms (n, classes) and correct (n).
    /// Nothing runs when n or classes is 0.
    /// </summary>
    public static void LaunchLoss(
        IComputeDevice device, DeviceBuffer<float> z, DeviceBuffer<float> target, DeviceBuffer<byte> split, DeviceBuffer<float> dz,
        DeviceBuffer<double> lossTerms, DeviceBuffer<int> correct, int n, int classes, bool multiLabel, float scale)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (n == 0 || classes == 0)
        {
            return;
        }

        var arguments = new KernelArguments()
            .Add(z).Add(target).Add(split).Add(dz).Add(lossTerms).Add(correct)
            .Add(n).Add(classes).Add(scale);
        device.Launch(multiLabel ? SigmoidBce : SoftmaxCrossEntropy, LaunchGeometry.Linear(n, ThreadsPerBlock), arguments);
    }

    /// <summary>
    /// The host's half of the loss: adds the loss terms of the train rows (split 0) in row-major order onto 0, the order
    /// in which PartitionModel's former loop added them to one running double, and each row's correct count into its
    /// split's (rows with split &gt; 2 skipped); a row counts 1 to its split's total, or <paramref name="classes"/> when
    /// <paramref name="multiLabel"/>.
    /// </summary>
    public static double SumLoss(
        ReadOnlySpan<double> lossTerms, ReadOnlySpan<int> correctRows, ReadOnlySpan<byte> split, int classes, bool multiLabel,
        Span<long> correct, Span<long> total)
    {
        double loss = 0;
        for (var i = 0; i < split.Length; i++)
        {
            var s = split[i];
            if (s > 2)
            {
                continue;
            }

            correct[s] += correctRows[i];
            total[s] += multiLabel ? classes : 1;
            if (s != 0)
            {
                continue;
            }

            foreach (var term in lossTerms.Slice(i * classes, classes))
            {
                loss += term;
            }
        }

        return loss;
    }

    private static void RegisterOnce(CpuKernelRegistry registry, KernelName name, CpuKernel twin)
    {
        if (!registry.TryGet(name, out _))
        {
            registry.Register(name, twin);
        }
    }

    private static void SoftmaxCrossEntropyTwin(LaunchGeometry geometry, KernelArguments arguments) =>
        RunRows(arguments, "gcn_softmax_cross_entropy", multiLabel: false);

    private static void SigmoidBceTwin(LaunchGeometry geometry, KernelArguments arguments) =>
        RunRows(arguments, "gcn_sigmoid_bce", multiLabel: true);

    private static void RunRows(KernelArguments arguments, string kernel, bool multiLabel)
    {
        var z = arguments.CpuBuffer<float>(0);
        var target = arguments.CpuBuffer<float>(1);
        var split = arguments.CpuBuffer<byte>(2);
        var dz = arguments.CpuBuffer<float>(3);
        var lossTerms = arguments.CpuBuffer<double>(4);
        var correct = arguments.CpuBuffer<int>(5);
        int n = arguments.Int32(6), classes = arguments.Int32(7);
        var scale = arguments.Single(8);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        var elements = (long)n * classes;
        if (z.Length < elements || target.Length < elements || dz.Length < elements || lossTerms.Length < elements || split.Length < n || correct.Length < n)
        {
            throw new ArgumentException(
                $"{kernel}: ({n}, {classes}) needs {elements} elements in z, target, dz and loss_terms and {n} in split and correct; they hold " +
                $"{z.Length}, {target.Length}, {dz.Length}, {lossTerms.Length}, {split.Length} and {correct.Length}");
        }

        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var s = split.Span[i];
            var at = i * classes;
            ReadOnlySpan<float> logits = z.Span.Slice(at, classes), labels = target.Span.Slice(at, classes);
            Span<float> gradient = dz.Span.Slice(at, classes);
            Span<double> terms = lossTerms.Span.Slice(at, classes);
            var count = multiLabel
                ? SigmoidBceRow(logits, labels, s == 0, gradient, terms, scale)
                : SoftmaxCrossEntropyRow(logits, labels, s == 0, gradient, terms, scale);
            correct.Span[i] = s <= 2 ? count : 0;
        });
    }

    /// <summary>One row of <c>gcn_softmax_cross_entropy</c>: 1 when the logits' first argmax is the target's, else 0.</summary>
    private static int SoftmaxCrossEntropyRow(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, bool train, Span<float> gradient, Span<double> terms, float scale)
    {
        int predicted = 0, label = 0;
        for (var j = 1; j < logits.Length; j++)
        {
            predicted = logits[j] > logits[predicted] ? j : predicted;
            label = target[j] > target[label] ? j : label;
        }

        if (!train)
        {
            gradient.Clear();
            terms.Clear();
            return predicted == label ? 1 : 0;
        }

        var max = logits[predicted];
        double sum = 0;
        for (var j = 0; j < logits.Length; j++)
        {
            sum += Math.Exp(logits[j] - max); // the difference in float, as the kernel's orr_fsub
        }

        var logSum = max + Math.Log(sum);
        for (var j = 0; j < logits.Length; j++)
        {
            var shifted = logits[j] - logSum;
            terms[j] = -(target[j] * shifted);
            gradient[j] = (float)(Math.Exp(shifted) - target[j]) * scale;
        }

        return predicted == label ? 1 : 0;
    }

    /// <summary>One row of <c>gcn_sigmoid_bce</c>: how many classes have (z &gt; 0) == (t &gt; 0.5).</summary>
    private static int SigmoidBceRow(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, bool train, Span<float> gradient, Span<double> terms, float scale)
    {
        var agreeing = 0;
        for (var j = 0; j < logits.Length; j++)
        {
            agreeing += (logits[j] > 0f) == (target[j] > 0.5f) ? 1 : 0;
        }

        if (!train)
        {
            gradient.Clear();
            terms.Clear();
            return agreeing;
        }

        for (var j = 0; j < logits.Length; j++)
        {
            double x = logits[j], t = target[j];
            terms[j] = Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
            gradient[j] = (float)(1 / (1 + Math.Exp(-x)) - t) * scale;
        }

        return agreeing;
    }
}
