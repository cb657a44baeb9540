using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Kernels;
using Orrery.Testing.HostEmulation;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// kernels/gcn_dense.cu compiled for the host by g++ with gcn_dense_host_runner.cpp (<see cref="HostKernelLibrary"/>),
/// and its launches registered on a <see cref="HostEmulatedGpu"/> under the names <see cref="GcnDenseKernels"/> launches.
/// Each launch checks the argument count and reads every argument with the type the kernel declares, so a launch helper
/// that passes them in another order or kind fails here as it would read garbage on a GPU.
/// </summary>
internal static unsafe class GcnDenseHostKernels
{
    private static readonly HostKernelLibrary Library = new("gcn_dense", Path.Combine("tests", "Orrery.Gcn.Tests", "HostEmulation", "gcn_dense_host_runner.cpp"));

    /// <summary>Registers the host launches of every gcn_dense.cu kernel.</summary>
    public static void Register(CpuKernelRegistry registry)
    {
        Add(registry, GcnDenseKernels.LayerNormRelu, "orr_host_launch_gcn_layer_norm_relu", a =>
        [
            .. Floats(a, 0, 6), HostLaunch.Bits(a.Int32(6)), HostLaunch.Bits(a.Int32(7)), HostLaunch.Bits(a.Single(8)),
        ]);
        Add(registry, GcnDenseKernels.LayerNormReluBackward, "orr_host_launch_gcn_layer_norm_relu_backward", a =>
        [
            .. Floats(a, 0, 6), HostLaunch.Bits(a.Int32(6)), HostLaunch.Bits(a.Int32(7)),
        ]);
        Add(registry, GcnDenseKernels.LayerNormReluParameterGradient, "orr_host_launch_gcn_layer_norm_relu_parameter_gradient", a =>
        [
            .. Floats(a, 0, 5), HostLaunch.Bits(a.Int32(5)), HostLaunch.Bits(a.Int32(6)),
        ]);
        Add(registry, GcnDenseKernels.Dropout, "orr_host_launch_gcn_dropout", a =>
        [
            .. Floats(a, 0, 2), HostLaunch.Address<int>(a, 2), HostLaunch.Bits(a.Int32(3)), HostLaunch.Bits(a.Int32(4)),
            a.UInt64(5), a.UInt64(6), HostLaunch.Bits(a.Single(7)), HostLaunch.Bits(a.Single(8)), HostLaunch.Bits(a.Int32(9)),
        ]);
        Add(registry, GcnDenseKernels.DropoutBackward, "orr_host_launch_gcn_dropout_backward", a =>
        [
            .. Floats(a, 0, 2), (ulong)a.Int64(2),
        ]);
        Add(registry, GcnDenseKernels.BroadcastRows, "orr_host_launch_gcn_broadcast_rows", a =>
        [
            .. Floats(a, 0, 2), HostLaunch.Bits(a.Int32(2)), HostLaunch.Bits(a.Int32(3)),
        ]);
        Add(registry, GcnDenseKernels.AddBroadcastRows, "orr_host_launch_gcn_add_broadcast_rows", a =>
        [
            .. Floats(a, 0, 2), HostLaunch.Bits(a.Int32(2)), HostLaunch.Bits(a.Int32(3)),
        ]);
        Add(registry, GcnDenseKernels.ColumnSums, "orr_host_launch_gcn_column_sums", a =>
        [
            .. Floats(a, 0, 2), HostLaunch.Bits(a.Int32(2)), HostLaunch.Bits(a.Int32(3)),
        ]);
    }

    private static void Add(CpuKernelRegistry registry, KernelName kernel, string symbol, Func<KernelArguments, ulong[]> slots) =>
        registry.Register(kernel, (geometry, arguments) =>
        {
            var packed = slots(arguments);
            if (packed.Length != arguments.Count)
            {
                throw new ArgumentException($"{kernel} takes {packed.Length} arguments; the launch passed {arguments.Count}");
            }

            HostLaunch.Run(Launcher(symbol), kernel, geometry, packed);
        });

    /// <summary>The addresses of float buffer arguments <paramref name="first"/> .. first + count − 1.</summary>
    private static ulong[] Floats(KernelArguments a, int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => HostLaunch.Address<float>(a, i))];

    private static delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int> Launcher(string symbol) =>
        (delegate* unmanaged<uint, uint, uint, ulong*, int, byte*, int, int>)Library.Export(symbol);
}
