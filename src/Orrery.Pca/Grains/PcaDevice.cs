using Microsoft.Extensions.DependencyInjection;
using Orrery.Compute;

namespace Orrery.Pca.Grains;

/// <summary>
/// The device a PCA shard computes on: the preferred device (first GPU, else the CPU) of the silo's
/// <see cref="DeviceDiscovery"/>, or of the process's shared CPU-only discovery when the host registers
/// none (embedded clusters, tests).
/// </summary>
internal static class PcaDevice
{
    public static IComputeDevice Resolve(IServiceProvider services) =>
        (services.GetService<DeviceDiscovery>() ?? ComputeDevices.SharedCpuOnly).Preferred;
}
