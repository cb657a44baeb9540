using Orleans.Runtime;
using Orrery.Cluster.Placement;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>What a lost silo does to placement and to tensor refs it owned; and a cluster without GPUs.</summary>
public sealed class OrleansSiloLossTests
{
    [Fact]
    public async Task GpuGrainsOfAKilledSiloArePlacedAgainOnTheRemainingGpuSilo_AndItsTensorsGiveATypedError()
    {
        await using var cluster = await OrleansTestCluster.StartAsync([0, 1, 2]);
        var silos = cluster.Silos.ToArray();
        ITensorHolderGrain owner, reader;
        using (PlacementHint.On(silos[2].SiloAddress))
        {
            owner = cluster.Client.GetGrain<ITensorHolderGrain>("doomed-owner");
            Assert.Equal(silos[2].SiloAddress, await owner.SiloAsync());
        }

        using (PlacementHint.On(silos[0].SiloAddress))
        {
            reader = cluster.Client.GetGrain<ITensorHolderGrain>("survivor");
            Assert.Equal(silos[0].SiloAddress, await reader.SiloAsync());
        }

        var tensor = await owner.PutAsync(100_000, 3, 0);
        Assert.NotEqual("TensorOwnerUnavailableException", await reader.FetchAsync(tensor));

        var before = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => cluster.Client.GetGrain<IGpuWorkGrain>(i).SiloAsync()));
        Assert.Contains(silos[2].SiloAddress, before);

        await cluster.KillSiloAsync(silos[2]);
        Assert.Equal("TensorOwnerUnavailableException", await reader.FetchAsync(tensor));

        await cluster.WaitForLivenessToStabilizeAsync(didKill: true);
        var after = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => cluster.Client.GetGrain<IGpuWorkGrain>(i).SiloAsync()));
        Assert.All(after, s => Assert.Equal(silos[1].SiloAddress, s));
    }

    [Fact]
    public async Task AGpuGrainInAClusterWithoutGpusFailsWithATypedErrorNamingTheGrain()
    {
        await using var cluster = await OrleansTestCluster.StartAsync([0, 0]);
        var error = await Assert.ThrowsAsync<NoCompatibleSiloException>(() => cluster.Client.GetGrain<IGpuWorkGrain>(5).SiloAsync());
        Assert.Contains("GPU", error.Message);
        Assert.Contains("gpuwork/5", error.Message);
        Assert.NotNull(await cluster.Client.GetGrain<ICoreWorkGrain>(5).SiloAsync());
    }
}
