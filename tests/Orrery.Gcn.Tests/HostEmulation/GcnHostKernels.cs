using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// kernels/gcn.cu compiled for the host by g++ with gcn_host_runner.cpp (<see cref="HostKernelLibrary"/>), and its
/// launches registered on a <see cref="HostEmulatedGpu"/> under the names <see cref="GcnKernels"/> launches.
/// </summary>
internal static unsafe class GcnHostKernels
{
    private static readonly HostKernelLibrary Library = new("gcn", Path.Combine("tests", "Orrery.Gcn.Tests", "HostEmulation", "gcn_host_runner.cpp"));

    /// <summary>
    /// Registers every GCN kernel's host launch (gcn.cu, gcn_dense.cu, gcn_loss.cu, gcn_rows.cu): what a stand-in GPU needs
    /// to run the whole model.
    /// </summary>
    public static void RegisterAll(CpuKernelRegistry registry)
    {
        Register(registry);
        GcnDenseHostKernels.Register(registry);
        GcnLossHostKernels.Register(registry);
        GcnRowHostKernels.Register(registry);
    }

    /// <summary>Registers the host launches of gcn_aggregate and gcn_aggregate_transpose.</summary>
    public static void Register(CpuKernelRegistry registry)
    {
        registry.Register(GcnKernels.Aggregate, (geometry, arguments) =>
            HostLaunch.Run(Launcher("orr_host_launch_gcn_aggregate"), GcnKernels.Aggregate, geometry, Slots(arguments)));
        registry.Register(GcnKernels.AggregateTranspose, (geometry, arguments) =>
            HostLaunch.Run(Launcher("orr_host_launch_gcn_aggregate_transpose"), GcnKernels.AggregateTranspose, geometry, Slots(arguments)));
    }

    private static delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int> Launcher(string symbol) =>
        (delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int>)Library.Export(symbol);

    /// <summary>
    /// Both kernels take (const int*, const int*, const float*, const float*, float* or const float*, float*, int, int, int),
    /// read with those types, so a launch that passes them in another order fails here as it would read garbage on a GPU.
    /// </summary>
    private static ulong[] Slots(KernelArguments a)
    {
        if (a.Count != 9)
        {
            throw new ArgumentException($"the gcn kernels take 9 arguments; the launch passed {a.Count}");
        }

        return
        [
            HostLaunch.Address<int>(a, 0), HostLaunch.Address<int>(a, 1), HostLaunch.Address<float>(a, 2),
            HostLaunch.Address<float>(a, 3), HostLaunch.Address<float>(a, 4), HostLaunch.Address<float>(a, 5),
            HostLaunch.Bits(a.Int32(6)), HostLaunch.Bits(a.Int32(7)), HostLaunch.Bits(a.Int32(8)),
        ];
    }
}
