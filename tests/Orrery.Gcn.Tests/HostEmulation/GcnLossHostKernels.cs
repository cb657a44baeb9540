using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// kernels/gcn_loss.cu compiled for the host by g++ with gcn_loss_host_runner.cpp (<see cref="HostKernelLibrary"/>), and its
/// launches registered on a <see cref="HostEmulatedGpu"/> under the names <see cref="GcnLossKernels"/> launches. Each
/// launch checks the argument count and reads every argument with the type the kernel declares.
/// </summary>
internal static unsafe class GcnLossHostKernels
{
    private static readonly HostKernelLibrary Library = new("gcn_loss", Path.Combine("tests", "Orrery.Gcn.Tests", "HostEmulation", "gcn_loss_host_runner.cpp"));

    /// <summary>Registers the host launches of both gcn_loss.cu kernels.</summary>
    public static void Register(CpuKernelRegistry registry)
    {
        Add(registry, GcnLossKernels.SoftmaxCrossEntropy, "orr_host_launch_gcn_softmax_cross_entropy");
        Add(registry, GcnLossKernels.SigmoidBce, "orr_host_launch_gcn_sigmoid_bce");
    }

    private static void Add(CpuKernelRegistry registry, KernelName kernel, string symbol) =>
        registry.Register(kernel, (geometry, arguments) =>
        {
            ulong[] packed =
            [
                HostLaunch.Address<float>(arguments, 0), HostLaunch.Address<float>(arguments, 1), HostLaunch.Address<byte>(arguments, 2),
                HostLaunch.Address<float>(arguments, 3), HostLaunch.Address<double>(arguments, 4), HostLaunch.Address<int>(arguments, 5),
                HostLaunch.Bits(arguments.Int32(6)), HostLaunch.Bits(arguments.Int32(7)), HostLaunch.Bits(arguments.Single(8)),
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
