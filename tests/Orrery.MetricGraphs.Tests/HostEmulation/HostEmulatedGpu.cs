using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.HostEmulation;

/// <summary>
/// A stand-in for a CUDA device whose kernel launches run kernels/metric_graph.cu compiled for the host
/// (<see cref="HostKernelLibrary"/>): buffers are a <see cref="CpuDevice"/>'s, and metric_graph_advance is
/// registered there as a "twin" that passes the launch's arguments to the g++-built kernel as
/// cuLaunchKernel would (one 8-byte slot per parameter). It reports <see cref="DeviceKind.Cuda"/>, so
/// <see cref="ParticleSamplers.For"/> picks <see cref="CudaMetricGraphSampler"/> for it: the C# host side,
/// the kernel's source and the grid structure all run; only NVRTC and the GPU itself are absent.
/// </summary>
internal sealed unsafe class HostEmulatedGpu : IComputeDevice
{
    private readonly CpuDevice _cpu;

    public HostEmulatedGpu()
    {
        var kernels = new CpuKernelRegistry();
        kernels.Register(CudaMetricGraphSampler.Kernel, LaunchMetricGraphAdvance);
        _cpu = new CpuDevice(kernels);
    }

    /// <summary>Launches run so far.</summary>
    public int Launches { get; private set; }

    public string Name => "cuda:host-emulated";

    public DeviceKind Kind => DeviceKind.Cuda;

    public int Ordinal => 0;

    public string Model => "kernels/*.cu compiled by g++, CUDA blocks as host threads";

    public long MemoryBytes => _cpu.MemoryBytes;

    public int Multiprocessors => _cpu.Multiprocessors;

    public DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged => _cpu.Allocate<T>(length);

    public void Launch(KernelName kernel, LaunchGeometry geometry, KernelArguments arguments)
    {
        Launches++;
        _cpu.Launch(kernel, geometry, arguments);
    }

    public void Sgemm(MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k, float alpha, DeviceBuffer<float> a, int lda,
        DeviceBuffer<float> b, int ldb, float beta, DeviceBuffer<float> c, int ldc) =>
        _cpu.Sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public void Synchronize() => _cpu.Synchronize();

    public TimeSpan Measure(Action work) => _cpu.Measure(work);

    public void Dispose() => _cpu.Dispose();

    /// <summary>The arguments of metric_graph_advance in parameter order, read with the types the kernel declares.</summary>
    private static void LaunchMetricGraphAdvance(LaunchGeometry geometry, KernelArguments a)
    {
        ulong[] slots =
        [
            // Graph tables.
            Address<float>(a, 0), Address<float>(a, 1), Address<int>(a, 2), Address<float>(a, 3), Address<float>(a, 4),
            Address<int>(a, 5), Address<int>(a, 6), Address<int>(a, 7), Address<float>(a, 8), Address<float>(a, 9),
            Address<int>(a, 10), Address<int>(a, 11), Address<int>(a, 12), Address<int>(a, 13), Address<float>(a, 14), Address<float>(a, 15), Address<int>(a, 16),

            // State, then counts.
            Address<int>(a, 17), Address<float>(a, 18), Address<int>(a, 19), Address<long>(a, 20),
            Address<long>(a, 21), Address<long>(a, 22), Address<long>(a, 23), Address<long>(a, 24),

            // seed, dt, sqrt_dt, max_splits, bins_per_edge, edge_count, first_particle, count, start_step, end_step,
            // sample_every, window_steps, exit_histogram_ticks, exit_time_bins, block_histogram.
            a.UInt64(25), BitConverter.SingleToUInt32Bits(a.Single(26)), BitConverter.SingleToUInt32Bits(a.Single(27)),
            (uint)a.Int32(28), (uint)a.Int32(29), (uint)a.Int32(30),
            (ulong)a.Int64(31), (uint)a.Int32(32), (ulong)a.Int64(33), (ulong)a.Int64(34),
            (ulong)a.Int64(35), (ulong)a.Int64(36), (ulong)a.Int64(37), (uint)a.Int32(38),
            (uint)a.Int32(39),
        ];
        if (a.Count != slots.Length)
        {
            throw new ArgumentException($"metric_graph_advance takes {slots.Length} arguments; the launch passed {a.Count}");
        }

        var error = new byte[512];
        int status;
        fixed (ulong* slot = slots)
        fixed (byte* message = error)
        {
            status = HostKernelLibrary.LaunchMetricGraphAdvance(geometry.Grid.X, geometry.Block.X, geometry.SharedMemoryBytes, slot, slots.Length, message, error.Length);
        }

        if (status != 0)
        {
            throw new ComputeException($"host-emulated {CudaMetricGraphSampler.Kernel} failed: {Encoding.UTF8.GetString(error).TrimEnd('\0')}");
        }
    }

    private static ulong Address<T>(KernelArguments arguments, int index)
        where T : unmanaged =>
        (ulong)Unsafe.AsPointer(ref MemoryMarshal.GetReference(arguments.Span<T>(index)));
}
