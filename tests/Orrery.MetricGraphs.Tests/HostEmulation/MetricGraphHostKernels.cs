using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.MetricGraphs.Sampling;
using Orrery.Testing.HostEmulation;

namespace Orrery.MetricGraphs.Tests.HostEmulation;

/// <summary>
/// kernels/metric_graph.cu compiled for the host by g++ with cuda_host_runner.cpp (<see cref="HostKernelLibrary"/>),
/// its launch registered on a <see cref="HostEmulatedGpu"/> (<see cref="Register"/>), and the kernel's building
/// blocks for tests that compare them with their C# twins directly.
/// </summary>
internal static unsafe class MetricGraphHostKernels
{
    private static readonly HostKernelLibrary Library = new("metric_graph", Path.Combine("tests", "Orrery.MetricGraphs.Tests", "HostEmulation", "cuda_host_runner.cpp"));

    /// <summary>orr_host_launch_metric_graph_advance(grid, block, shared_bytes, slots, slot_count, error, error_size).</summary>
    public static delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int> LaunchMetricGraphAdvance =>
        (delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int>)Library.Export("orr_host_launch_metric_graph_advance");

    /// <summary>orr_host_box_muller(word0, word1, z0, z1): the kernel's mg_box_muller.</summary>
    public static delegate* unmanaged<uint, uint, float*, float*, void> BoxMuller =>
        (delegate* unmanaged<uint, uint, float*, float*, void>)Library.Export("orr_host_box_muller");

    /// <summary>orr_host_mul_div(a, b, d): the kernel's mg_mul_div, floor(a b / d).</summary>
    public static delegate* unmanaged<ulong, ulong, ulong, ulong> MulDiv =>
        (delegate* unmanaged<ulong, ulong, ulong, ulong>)Library.Export("orr_host_mul_div");

    /// <summary>orr_host_add_u128(sum, low, high): the kernel's mg_atomic_add_u128.</summary>
    public static delegate* unmanaged<ulong*, ulong, ulong, void> AddU128 =>
        (delegate* unmanaged<ulong*, ulong, ulong, void>)Library.Export("orr_host_add_u128");

    /// <summary>
    /// Registers metric_graph_advance's host launch, so <see cref="ParticleSamplers.For"/> on the emulated device picks
    /// <see cref="CudaMetricGraphSampler"/> and its launches run the g++-built kernel.
    /// </summary>
    public static void Register(CpuKernelRegistry registry) => registry.Register(CudaMetricGraphSampler.Kernel, Launch);

    /// <summary>The arguments of metric_graph_advance in parameter order, read with the types the kernel declares.</summary>
    private static void Launch(LaunchGeometry geometry, KernelArguments a)
    {
        ulong[] slots =
        [
            // Graph tables.
            HostLaunch.Address<float>(a, 0), HostLaunch.Address<float>(a, 1), HostLaunch.Address<int>(a, 2), HostLaunch.Address<float>(a, 3), HostLaunch.Address<float>(a, 4),
            HostLaunch.Address<int>(a, 5), HostLaunch.Address<int>(a, 6), HostLaunch.Address<int>(a, 7), HostLaunch.Address<float>(a, 8), HostLaunch.Address<float>(a, 9),
            HostLaunch.Address<int>(a, 10), HostLaunch.Address<int>(a, 11), HostLaunch.Address<int>(a, 12), HostLaunch.Address<int>(a, 13), HostLaunch.Address<float>(a, 14),
            HostLaunch.Address<float>(a, 15), HostLaunch.Address<int>(a, 16),

            // State, then counts.
            HostLaunch.Address<int>(a, 17), HostLaunch.Address<float>(a, 18), HostLaunch.Address<int>(a, 19), HostLaunch.Address<long>(a, 20),
            HostLaunch.Address<long>(a, 21), HostLaunch.Address<long>(a, 22), HostLaunch.Address<long>(a, 23), HostLaunch.Address<long>(a, 24),

            // seed, dt, sqrt_dt, max_splits, bins_per_edge, edge_count, first_particle, count, start_step, end_step,
            // sample_every, window_steps, exit_histogram_ticks, exit_time_bins, block_histogram.
            a.UInt64(25), HostLaunch.Bits(a.Single(26)), HostLaunch.Bits(a.Single(27)),
            HostLaunch.Bits(a.Int32(28)), HostLaunch.Bits(a.Int32(29)), HostLaunch.Bits(a.Int32(30)),
            (ulong)a.Int64(31), HostLaunch.Bits(a.Int32(32)), (ulong)a.Int64(33), (ulong)a.Int64(34),
            (ulong)a.Int64(35), (ulong)a.Int64(36), (ulong)a.Int64(37), HostLaunch.Bits(a.Int32(38)),
            HostLaunch.Bits(a.Int32(39)),
        ];
        if (a.Count != slots.Length)
        {
            throw new ArgumentException($"metric_graph_advance takes {slots.Length} arguments; the launch passed {a.Count}");
        }

        HostLaunch.Run(LaunchMetricGraphAdvance, CudaMetricGraphSampler.Kernel, geometry, slots);
    }
}
