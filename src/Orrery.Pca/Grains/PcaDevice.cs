using Microsoft.Extensions.DependencyInjection;
using Orrery.Compute;
using Orrery.Compute.Cpu;

namespace Orrery.Pca.Grains;

/// <summary>
/// The device a PCA shard computes on: the preferred device (first GPU, else the CPU) of the silo's
/// <see cref="DeviceDiscovery"/> or its <see cref="IComputeDevice"/> when the host registers one,
/// otherwise one CPU device shared by the process (embedded clusters, tests).
/// </summary>
internal static class PcaDevice
{
    private static readonly Lazy<CpuDevice> SharedCpu = new(() => new CpuDevice());

    public static IComputeDevice Resolve(IServiceProvider services) =>
        services.GetService<DeviceDiscovery>()?.Preferred ?? services.GetService<IComputeDevice>() ?? SharedCpu.Value;
}
