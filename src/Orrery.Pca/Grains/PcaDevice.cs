using Microsoft.Extensions.DependencyInjection;
using Orrery.Compute;
using Orrery.Compute.Cpu;

namespace Orrery.Pca.Grains;

/// <summary>
/// The device a PCA shard computes on: the silo's <see cref="IComputeDevice"/> when the host registers one
/// (the silo host registers its preferred device: the first GPU, else the CPU), otherwise one CPU device
/// shared by the process (embedded clusters, tests).
/// </summary>
internal static class PcaDevice
{
    private static readonly Lazy<CpuDevice> SharedCpu = new(() => new CpuDevice());

    public static IComputeDevice Resolve(IServiceProvider services) =>
        services.GetService<IComputeDevice>() ?? SharedCpu.Value;
}
