using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// kernels/gcn_rows.cu compiled for the host by g++ with gcn_rows_host_runner.cpp (<see cref="HostKernelLibrary"/>), and its
/// launches registered on a <see cref="HostEmulatedGpu"/> under the names <see cref="GcnRowKernels"/> launches. Each launch
/// checks the argument count and reads every argument with the type the kernel declares.
/// </summary>
internal static unsafe class GcnRowHostKernels
{
    private static readonly HostKernelLibrary Library = new("gcn_rows", Path.Combine("tests", "Orrery.Gcn.Tests", "HostEmulation", "gcn_rows_host_runner.cpp"));

    /// <summary>Registers the host launches of both gcn_rows.cu kernels.</summary>
    public static void Register(CpuKernelRegistry registry)
    {
        Add(registry, GcnRowKernels.GatherRows, "orr_host_launch_gcn_gather_rows");
        Add(registry, GcnRowKernels.ScatterAddRows, "orr_host_launch_gcn_scatter_add_rows");
    }

    private static void Add(CpuKernelRegistry registry, KernelName kernel, string symbol) =>
        registry.Register(kernel, (geometry, arguments) =>
        {
            ulong[] packed =
            [
                HostLaunch.Address<float>(arguments, 0), HostLaunch.Address<int>(arguments, 1), HostLaunch.Address<float>(arguments, 2),
                HostLaunch.Bits(arguments.Int32(3)), HostLaunch.Bits(arguments.Int32(4)), HostLaunch.Bits(arguments.Int32(5)),
            ];
            if (packed.Length != arguments.Count)
            {
                throw new ArgumentException($"{kernel} takes {packed.Length} arguments; the launch passed {arguments.Count}");
            }

            HostLaunch.Run(Launcher(symbol), kernel, geometry, packed);
        });

    private static delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int> Launcher(string symbol) =>
        (delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int>)Library.Export(symbol);
}
