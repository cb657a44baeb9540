using Orrery.Compute.Cpu;
using Orrery.Compute.Random;

namespace Orrery.Compute.Kernels;

/// <summary>
/// The kernels of <c>kernels/check.cu</c>, by name, and their CPU twins. Each twin computes exactly what
/// the CUDA kernel computes from the same arguments; tests/Orrery.GpuCheck launches both and compares.
/// </summary>
public static class CheckKernels
{
    /// <summary>Elements per parallel chunk: 64 K floats (256 KB per operand) amortize the task overhead.</summary>
    private const int ChunkSize = 1 << 16;

    /// <summary><c>vector_add(const float* a, const float* b, float* c, int n)</c>: c[i] = a[i] + b[i].</summary>
    public static KernelName VectorAdd { get; } = new("check", "vector_add");

    /// <summary>
    /// <c>philox_fill(uint4* out, unsigned long long seed, unsigned long long stream, unsigned long long first_draw, int n)</c>:
    /// out[i] = <see cref="Philox4x32.Generate(ulong, ulong, ulong)"/>(seed, stream, first_draw + i); out holds 4n uints.
    /// </summary>
    public static KernelName PhiloxFill { get; } = new("check", "philox_fill");

    /// <summary>
    /// <c>philox_blocks(const uint4* counters, const uint2* keys, uint4* out, int n)</c>:
    /// out[i] = Philox4x32-10(counters[i], keys[i]); counters and out hold 4n uints, keys 2n.
    /// </summary>
    public static KernelName PhiloxBlocks { get; } = new("check", "philox_blocks");

    /// <summary>Threads per block the check kernels are written for (see check.cu's header).</summary>
    public const int ThreadsPerBlock = 256;

    internal static void Register(CpuKernelRegistry registry)
    {
        registry.Register(VectorAdd, VectorAddTwin);
        registry.Register(PhiloxFill, PhiloxFillTwin);
        registry.Register(PhiloxBlocks, PhiloxBlocksTwin);
    }

    private static void VectorAddTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var a = arguments.CpuBuffer<float>(0);
        var b = arguments.CpuBuffer<float>(1);
        var c = arguments.CpuBuffer<float>(2);
        var n = Count(arguments.Int32(3), (a.Length, 1), (b.Length, 1), (c.Length, 1));
        ForEachChunk(n, (start, length) =>
        {
            var x = a.Span.Slice(start, length);
            var y = b.Span.Slice(start, length);
            var sum = c.Span.Slice(start, length);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] = x[i] + y[i];
            }
        });
    }

    private static void PhiloxFillTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var output = arguments.CpuBuffer<uint>(0);
        var seed = arguments.UInt64(1);
        var stream = arguments.UInt64(2);
        var firstDraw = arguments.UInt64(3);
        var n = Count(arguments.Int32(4), (output.Length, 4));
        ForEachChunk(n, (start, length) =>
        {
            var words = output.Span.Slice(4 * start, 4 * length);
            for (var i = 0; i < length; i++)
            {
                var block = Philox4x32.Generate(seed, stream, firstDraw + (ulong)(start + i));
                words[4 * i] = block.X0;
                words[(4 * i) + 1] = block.X1;
                words[(4 * i) + 2] = block.X2;
                words[(4 * i) + 3] = block.X3;
            }
        });
    }

    private static void PhiloxBlocksTwin(LaunchGeometry geometry, KernelArguments arguments)
    {
        var counters = arguments.CpuBuffer<uint>(0);
        var keys = arguments.CpuBuffer<uint>(1);
        var output = arguments.CpuBuffer<uint>(2);
        var n = Count(arguments.Int32(3), (counters.Length, 4), (keys.Length, 2), (output.Length, 4));
        ForEachChunk(n, (start, length) =>
        {
            var c = counters.Span.Slice(4 * start, 4 * length);
            var k = keys.Span.Slice(2 * start, 2 * length);
            var words = output.Span.Slice(4 * start, 4 * length);
            for (var i = 0; i < length; i++)
            {
                var block = Philox4x32.Generate(new PhiloxBlock(c[4 * i], c[(4 * i) + 1], c[(4 * i) + 2], c[(4 * i) + 3]), k[2 * i], k[(2 * i) + 1]);
                words[4 * i] = block.X0;
                words[(4 * i) + 1] = block.X1;
                words[(4 * i) + 2] = block.X2;
                words[(4 * i) + 3] = block.X3;
            }
        });
    }

    /// <summary>n, after checking that every buffer holds n items of its width (the GPU kernel would read or write past its end).</summary>
    private static int Count(int n, params ReadOnlySpan<(long Length, int Width)> buffers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        foreach (var (length, width) in buffers)
        {
            if (length < (long)n * width)
            {
                throw new ArgumentException($"n is {n} but a buffer holds {length} elements; it needs {(long)n * width}");
            }
        }

        return n;
    }

    private static void ForEachChunk(int count, Action<int, int> body)
    {
        var chunks = (count + ChunkSize - 1) / ChunkSize;
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }

        Parallel.For(0, chunks, chunk =>
        {
            var start = chunk * ChunkSize;
            body(start, Math.Min(ChunkSize, count - start));
        });
    }
}
