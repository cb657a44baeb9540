using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orrery.Cluster.Silos;
using Orrery.Compute;
using Orrery.Contracts.Cluster;

namespace Orrery.Client;

/// <summary>
/// The embedded Orleans cluster behind <c>orrery demo</c> and <c>orrery run</c> without a gateway: N real silos in this
/// process. The machine's devices are discovered once; the first silo offers its GPUs (when the CUDA driver finds any),
/// the others compute on the CPU.
/// </summary>
internal static class EmbeddedOrleans
{
    public static Task<OrleansEmbeddedCluster> StartAsync(int silos, bool verbose, CancellationToken cancellationToken)
    {
        var devices = ComputeDevices.Discover("auto");
        var gpus = new int[silos];
        gpus[0] = devices.Gpus.Count;
        return OrleansEmbeddedCluster.StartAsync(
            gpus,
            (index, silo) => silo.Services.AddSingleton(index == 0 ? devices : ComputeDevices.SharedCpuOnly),
            verbose ? b => b.AddSimpleConsole(o => o.SingleLine = true) : null,
            cancellationToken);
    }

    /// <summary>The active silos as any silo of the cluster sees them.</summary>
    public static Func<CancellationToken, Task<IReadOnlyList<ClusterSiloInfo>>> Silos(IClusterClient client) =>
        async cancellationToken => await client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync().WaitAsync(cancellationToken);
}
