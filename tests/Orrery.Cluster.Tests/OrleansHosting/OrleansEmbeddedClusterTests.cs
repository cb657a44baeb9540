using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>The embedded Orleans cluster behind <c>orrery demo</c> and <c>orrery run</c> without a gateway: real silos in one process.</summary>
public sealed class OrleansEmbeddedClusterTests
{
    [Fact]
    public async Task ThreeSilosServeGrains_OfferTheirGpus_AndPassTensorsByReference()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync([0, 2, 0]);
        var where = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => cluster.Client.GetGrain<IPingGrain>(i).WhereAsync()));
        Assert.All(where, name => Assert.Contains(name, new[] { "embedded-0", "embedded-1", "embedded-2" }));
        Assert.True(where.Distinct().Count() >= 2, $"60 grains all on {where[0]}");

        // Only silo 1 offers GPUs.
        var gpuSilo = cluster.Silos[1].GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var placed = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => cluster.Client.GetGrain<IGpuWorkGrain>(i).SiloAsync()));
        Assert.All(placed, silo => Assert.Equal(gpuSilo, silo));

        float[] data = [1, 2, 3, 4.5f];
        var tensor = cluster.TensorChannel(0).Put(data);
        Assert.Equal(data, await cluster.TensorChannel(2).FetchAsync<float>(tensor));
    }
}
