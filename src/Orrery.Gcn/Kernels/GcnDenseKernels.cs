using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Compute.Random;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// The kernels of <c>kernels/gcn_dense.cu</c> (the model's row-wise operations), by name, how to launch them, and their
/// CPU twins. Each twin computes exactly what the CUDA kernel computes from the same arguments, bit for bit: the same
/// float and double operations, each rounded once, in the same order (C# never contracts <c>a * b + c</c>; the kernel
/// uses the <c>_rn</c> intrinsics). tests/Orrery.Gcn.Tests/HostEmulation/ compiles gcn_dense.cu with g++ and compares
/// it with these twins.
/// </summary>
public static class GcnDenseKernels
{
    /// <summary>Threads per block gcn_dense.cu is written for (<c>GCN_DENSE_THREADS</c>); one thread per row or column.</summary>
    public const int ThreadsPerBlock = 256;

    private static readonly Lock RegistrationGate = new();

    /// <summary>
    /// <c>gcn_layer_norm_relu(const float* z, const float* gamma, const float* beta, float* xhat, float* y,
    /// float* inverse_std, int n, int width, float epsilon)</c>: per row, LayerNorm's mean and inverse standard deviation
    /// (sums in double), xhat = (z − mean) · rstd and y = relu(γ xhat + β).
    /// </summary>
    public static KernelName LayerNormRelu { get; } = new("gcn_dense", "gcn_layer_norm_relu");

    /// <summary>
    /// <c>gcn_layer_norm_relu_backward(const float* dy, const float* y, const float* xhat, const float* gamma,
    /// const float* inverse_std, float* dz, int n, int width)</c>: dz = rstd (b − mean(b) − xhat mean(b xhat)) per row,
    /// b = γ dy where y &gt; 0, 0 elsewhere.
    /// </summary>
    public static KernelName LayerNormReluBackward { get; } = new("gcn_dense", "gcn_layer_norm_relu_backward");

    /// <summary>
    /// <c>gcn_layer_norm_relu_parameter_gradient(const float* dy, const float* y, const float* xhat, float* dgamma,
    /// float* dbeta, int n, int width)</c>: dγ[j] += Σ_i d_ij xhat_ij and dβ[j] += Σ_i d_ij, added row after row.
    /// </summary>
    public static KernelName LayerNormReluParameterGradient { get; } = new("gcn_dense", "gcn_layer_norm_relu_parameter_gradient");

    /// <summary>
    /// <c>gcn_dropout(float* x, float* scale, const int* inner, int n, int width, unsigned long long seed,
    /// unsigned long long stream, float rate, float keep, int write_scale)</c>: x *= 0 or keep per element, from the
    /// Philox block (seed, stream, inner[i] · ceil(width / 4) + j / 4), word j % 4; the factors into scale when
    /// write_scale is nonzero.
    /// </summary>
    public static KernelName Dropout { get; } = new("gcn_dense", "gcn_dropout");

    /// <summary><c>gcn_dropout_backward(float* dx, const float* scale, long long count)</c>: dx[k] *= scale[k].</summary>
    public static KernelName DropoutBackward { get; } = new("gcn_dense", "gcn_dropout_backward");

    /// <summary><c>gcn_broadcast_rows(float* out, const float* row, int n, int width)</c>: every row of out set to row.</summary>
    public static KernelName BroadcastRows { get; } = new("gcn_dense", "gcn_broadcast_rows");

    /// <summary><c>gcn_add_broadcast_rows(float* out, const float* row, int n, int width)</c>: row added to every row of out.</summary>
    public static KernelName AddBroadcastRows { get; } = new("gcn_dense", "gcn_add_broadcast_rows");

    /// <summary>
    /// <c>gcn_column_sums(const float* source, float* sums, int n, int width)</c>: sums[j] += source[i, j] for i = 0 .. n − 1
    /// in order, one float add at a time.
    /// </summary>
    public static KernelName ColumnSums { get; } = new("gcn_dense", "gcn_column_sums");

    /// <summary>
    /// Registers the twins in <paramref name="registry"/> unless they already are: every <see cref="Training.PartitionModel"/>
    /// calls it for its device, and several models (and the grains of one silo) share one CPU device.
    /// </summary>
    public static void Register(CpuKernelRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        lock (RegistrationGate)
        {
            RegisterOnce(registry, LayerNormRelu, LayerNormReluTwin);
            RegisterOnce(registry, LayerNormReluBackward, LayerNormReluBackwardTwin);
            RegisterOnce(registry, LayerNormReluParameterGradient, LayerNormReluParameterGradientTwin);
            RegisterOnce(registry, Dropout, DropoutTwin);
            RegisterOnce(registry, DropoutBackward, DropoutBackwardTwin);
            RegisterOnce(registry, BroadcastRows, BroadcastRowsTwin);
            RegisterOnce(registry, AddBroadcastRows, AddBroadcastRowsTwin);
            RegisterOnce(registry, ColumnSums, ColumnSumsTwin);
        }
    }

    /// <summary>One thread per item (row or column): ceil(<paramref name="items"/> / 256) blocks of <see cref="ThreadsPerBlock"/>.</summary>
    public static LaunchGeometry ItemGeometry(int items) => LaunchGeometry.Linear(items, ThreadsPerBlock);

    /// <summary>
    /// Launches <see cref="LayerNormRelu"/> on z (n, width) with γ, β (width): writes xhat and y (n, width) and
    /// inverseStd (n). Nothing runs when n is 0.
    /// </summary>
    public static void LaunchLayerNormRelu(
        IComputeDevice device, DeviceBuffer<float> z, DeviceBuffer<float> gamma, DeviceBuffer<float> beta,
        DeviceBuffer<float> xhat, DeviceBuffer<float> y, DeviceBuffer<float> inverseStd, int n, int width, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (n == 0)
        {
            return;
        }

        var arguments = new KernelArguments()
            .Add(z).Add(gamma).Add(beta).Add(xhat).Add(y).Add(inverseStd)
            .Add(n).Add(width).Add(epsilon);
        device.Launch(LayerNormRelu, ItemGeometry(n), arguments);
    }

    /// <summary>
    /// Launches <see cref="LayerNormReluBackward"/> and <see cref="LayerNormReluParameterGradient"/>: dz (n, width) from
    /// dy, y, xhat (n, width), γ (width) and inverseStd (n), and adds the γ and β gradients into dγ and dβ (width).
    /// The two launches read the same inputs and write disjoint outputs. Nothing runs when n is 0.
    /// </summary>
    public static void LaunchLayerNormReluBackward(
        IComputeDevice device, DeviceBuffer<float> dy, DeviceBuffer<float> y, DeviceBuffer<float> xhat, DeviceBuffer<float> gamma,
        DeviceBuffer<float> inverseStd, DeviceBuffer<float> dz, DeviceBuffer<float> dgamma, DeviceBuffer<float> dbeta, int n, int width)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (n == 0)
        {
            return;
        }

        var rows = new KernelArguments()
            .Add(dy).Add(y).Add(xhat).Add(gamma).Add(inverseStd).Add(dz)
            .Add(n).Add(width);
        device.Launch(LayerNormReluBackward, ItemGeometry(n), rows);
        var columns = new KernelArguments()
            .Add(dy).Add(y).Add(xhat).Add(dgamma).Add(dbeta)
            .Add(n).Add(width);
        device.Launch(LayerNormReluParameterGradient, ItemGeometry(width), columns);
    }

    /// <summary>
    /// Launches <see cref="Dropout"/> on x (n, width) whose row i is global node <c>inner[i]</c>: each element kept and
    /// scaled by 1 / (1 − <paramref name="rate"/>) (rounded here, in float, as the host code did) or zeroed, the factors
    /// into <paramref name="scale"/> (n, width) unless it is null. Nothing runs when the rate or n is 0: x stays as it is
    /// and the scale untouched, as PartitionModel's dropout returned at once for rate 0.
    /// </summary>
    public static void LaunchDropout(
        IComputeDevice device, DeviceBuffer<float> x, DeviceBuffer<float>? scale, DeviceBuffer<int> inner, int n, int width,
        ulong seed, ulong stream, float rate)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(x);
        if (rate == 0f || n == 0 || width == 0)
        {
            return;
        }

        var keep = 1f / (1f - rate);
        var arguments = new KernelArguments()
            .Add(x).Add(scale ?? x).Add(inner)
            .Add(n).Add(width).Add(seed).Add(stream).Add(rate).Add(keep).Add(scale is null ? 0 : 1);
        device.Launch(Dropout, ItemGeometry(n * ((width + 3) / 4)), arguments);
    }

    /// <summary>Launches <see cref="DropoutBackward"/>: dx[k] *= scale[k] for the first <paramref name="count"/> elements.</summary>
    public static void LaunchDropoutBackward(IComputeDevice device, DeviceBuffer<float> dx, DeviceBuffer<float> scale, int count)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (count == 0)
        {
            return;
        }

        device.Launch(DropoutBackward, ItemGeometry(count), new KernelArguments().Add(dx).Add(scale).Add((long)count));
    }

    /// <summary>
    /// Launches <see cref="BroadcastRows"/> (<paramref name="accumulate"/> false: out = row) or
    /// <see cref="AddBroadcastRows"/> (true: out += row) on out (n, width) with row (width). Nothing runs for an empty out.
    /// </summary>
    public static void LaunchBroadcastRows(IComputeDevice device, DeviceBuffer<float> output, DeviceBuffer<float> row, int n, int width, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (n == 0 || width == 0)
        {
            return;
        }

        device.Launch(accumulate ? AddBroadcastRows : BroadcastRows, ItemGeometry(n * width), new KernelArguments().Add(output).Add(row).Add(n).Add(width));
    }

    /// <summary>
    /// Launches <see cref="ColumnSums"/>: adds the columns of source (n, width) into sums (width), row after row. Nothing
    /// runs when n or width is 0 (the sums stay as they are).
    /// </summary>
    public static void LaunchColumnSums(IComputeDevice device, DeviceBuffer<float> source, DeviceBuffer<float> sums, int n, int width)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (n == 0 || width == 0)
        {
            return;
        }

        device.Launch(ColumnSums, ItemGeometry(width), new KernelArguments().Add(source).Add(sums).Add(n).Add(width));
    }

    private static void RegisterOnce(CpuKernelRegistry registry, KernelName name, CpuKernel twin)
    {
        if (!registry.TryGet(name, out _))
        {
            registry.Register(name, twin);
        }
    }

    private static void LayerNormReluTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var z = arguments.CpuBuffer<float>(0);
        var gamma = arguments.CpuBuffer<float>(1);
        var beta = arguments.CpuBuffer<float>(2);
        var xhat = arguments.CpuBuffer<float>(3);
        var y = arguments.CpuBuffer<float>(4);
        var inverseStd = arguments.CpuBuffer<float>(5);
        int n = arguments.Int32(6), width = arguments.Int32(7);
        var epsilon = arguments.Single(8);
        CheckSizes("gcn_layer_norm_relu", (z, n, width), (gamma, 1, width), (beta, 1, width), (xhat, n, width), (y, n, width), (inverseStd, n, 1));
        var groups = (n + LayerNormRows.Group - 1) / LayerNormRows.Group;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, group =>
        {
            var first = group * LayerNormRows.Group;
            LayerNormRows.Forward(
                z.Span, gamma.Span, beta.Span, xhat.Span, y.Span, inverseStd.Span, first, Math.Min(LayerNormRows.Group, n - first), width, epsilon);
        });
    }

    private static void LayerNormReluBackwardTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var dy = arguments.CpuBuffer<float>(0);
        var y = arguments.CpuBuffer<float>(1);
        var xhat = arguments.CpuBuffer<float>(2);
        var gamma = arguments.CpuBuffer<float>(3);
        var inverseStd = arguments.CpuBuffer<float>(4);
        var dz = arguments.CpuBuffer<float>(5);
        int n = arguments.Int32(6), width = arguments.Int32(7);
        CheckSizes("gcn_layer_norm_relu_backward", (dy, n, width), (y, n, width), (xhat, n, width), (gamma, 1, width), (inverseStd, n, 1), (dz, n, width));
        var groups = (n + LayerNormRows.Group - 1) / LayerNormRows.Group;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, group =>
        {
            var first = group * LayerNormRows.Group;
            LayerNormRows.Backward(
                dy.Span, y.Span, xhat.Span, gamma.Span, inverseStd.Span, dz.Span, first, Math.Min(LayerNormRows.Group, n - first), width);
        });
    }

    private static void LayerNormReluParameterGradientTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var dy = arguments.CpuBuffer<float>(0);
        var y = arguments.CpuBuffer<float>(1);
        var xhat = arguments.CpuBuffer<float>(2);
        var dgamma = arguments.CpuBuffer<float>(3);
        var dbeta = arguments.CpuBuffer<float>(4);
        int n = arguments.Int32(5), width = arguments.Int32(6);
        CheckSizes("gcn_layer_norm_relu_parameter_gradient", (dy, n, width), (y, n, width), (xhat, n, width), (dgamma, 1, width), (dbeta, 1, width));

        // Row after row, as the kernel's column threads add (and as the host loop did): each column's sum keeps its order.
        ReadOnlySpan<float> gradient = dy.Span, activated = y.Span, normalised = xhat.Span;
        Span<float> scale = dgamma.Span[..width], shift = dbeta.Span[..width];
        for (var i = 0; i < n; i++)
        {
            var at = i * width;
            RowArithmetic.AddNormGradients(scale, shift, gradient.Slice(at, width), activated.Slice(at, width), normalised.Slice(at, width));
        }
    }

    private static void DropoutTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var x = arguments.CpuBuffer<float>(0);
        var scale = arguments.CpuBuffer<float>(1);
        var inner = arguments.CpuBuffer<int>(2);
        int n = arguments.Int32(3), width = arguments.Int32(4);
        ulong seed = arguments.UInt64(5), stream = arguments.UInt64(6);
        float rate = arguments.Single(7), keep = arguments.Single(8);
        var writeScale = arguments.Int32(9) != 0;
        CheckSizes("gcn_dropout", (x, n, width), (scale, writeScale ? n : 0, width));
        if (inner.Length < n)
        {
            throw new ArgumentException($"gcn_dropout: {n} rows need {n} node ids; the buffer holds {inner.Length}");
        }

        var blocksPerRow = (width + 3) / 4;
        var threshold = DropoutMasks.DropThreshold(rate);
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            // Element j takes word j % 4 of the row's block j / 4: Uniform(word) < rate, i.e. word < threshold, drops it.
            DropoutMasks.ApplyRow(
                seed, stream, (ulong)inner.Span[i] * (ulong)blocksPerRow, threshold, keep, x.Span.Slice(i * width, width),
                writeScale ? scale.Span.Slice(i * width, width) : []);
        });
    }

    private static void DropoutBackwardTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var dx = arguments.CpuBuffer<float>(0);
        var scale = arguments.CpuBuffer<float>(1);
        var count = arguments.Int64(2);
        CheckSizes("gcn_dropout_backward", (dx, 1, (int)count), (scale, 1, (int)count));
        var gradient = dx.Span[..(int)count];
        ReadOnlySpan<float> factors = scale.Span[..(int)count];
        for (var k = 0; k < gradient.Length; k++)
        {
            gradient[k] *= factors[k];
        }
    }

    private static void BroadcastRowsTwin(LaunchGeometry geometry, KernelArguments arguments) => Broadcast(arguments, "gcn_broadcast_rows", accumulate: false);

    private static void AddBroadcastRowsTwin(LaunchGeometry geometry, KernelArguments arguments) => Broadcast(arguments, "gcn_add_broadcast_rows", accumulate: true);

    private static void Broadcast(KernelArguments arguments, string kernel, bool accumulate)
    {
        var output = arguments.CpuBuffer<float>(0);
        var row = arguments.CpuBuffer<float>(1);
        int n = arguments.Int32(2), width = arguments.Int32(3);
        CheckSizes(kernel, (output, n, width), (row, 1, width));
        ReadOnlySpan<float> bias = row.Span[..width];
        for (var i = 0; i < n; i++)
        {
            var target = output.Span.Slice(i * width, width);
            if (!accumulate)
            {
                bias.CopyTo(target);
                continue;
            }

            RowArithmetic.Add(target, bias);
        }
    }

    private static void ColumnSumsTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var source = arguments.CpuBuffer<float>(0);
        var sums = arguments.CpuBuffer<float>(1);
        int n = arguments.Int32(2), width = arguments.Int32(3);
        CheckSizes("gcn_column_sums", (source, n, width), (sums, 1, width));

        // Row after row, as the kernel's column threads add: each column's sum keeps its order.
        var total = sums.Span[..width];
        for (var i = 0; i < n; i++)
        {
            RowArithmetic.Add(total, source.Span.Slice(i * width, width));
        }
    }

    /// <summary>
    /// Checks what the GPU kernel takes on trust: every matrix large enough for its (rows, width). A wrong size here
    /// would be an out-of-bounds read or write on the GPU.
    /// </summary>
    private static void CheckSizes(string kernel, params ReadOnlySpan<(CpuBuffer<float> Buffer, int Rows, int Width)> matrices)
    {
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
