using Orleans.Runtime;
using Orleans.TestingHost;
using Orrery.Cluster.Placement;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>
/// Three Orleans silos offering 0, 1 and 3 GPUs: tensors pass between grains on different silos by reference, GPU
/// grains go only where GPUs are and in proportion to them, core-weighted grains follow the cores, and a placement
/// hint puts a worker on the silo a coordinator chose.
/// </summary>
public sealed class OrleansTensorAndPlacementTests : IAsyncLifetime
{
    private static readonly int[] Gpus = [0, 1, 3];
    private static readonly int[] Cores = [1, 1, 2];
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await OrleansTestCluster.StartAsync(Gpus, Cores);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ATensorPutOnOneSiloIsFetchedByAGrainOnAnother()
    {
        var silos = _cluster.Silos.Select(s => s.SiloAddress).ToArray();
        ITensorHolderGrain owner, reader;
        using (PlacementHint.On(silos[0]))
        {
            owner = _cluster.Client.GetGrain<ITensorHolderGrain>("owner");
            Assert.Equal(silos[0], await owner.SiloAsync());
        }

        using (PlacementHint.On(silos[2]))
        {
            reader = _cluster.Client.GetGrain<ITensorHolderGrain>("reader");
            Assert.Equal(silos[2], await reader.SiloAsync());
        }

        // 4 Mi floats: 16 MiB behind a ref of a few dozen bytes in the Orleans message.
        var tensor = await owner.PutAsync(4 << 20, 42, 0);
        Assert.Equal(silos[0], tensor.Owner);
        var expected = TensorHolderGrain.Sum(TensorHolderGrain.Pattern(4 << 20, 42)).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, await reader.FetchAsync(tensor));
        Assert.Equal(expected, await owner.FetchAsync(tensor));
        Assert.True(await owner.LocalFetchIsTheStoredArrayAsync());

        var once = await owner.PutAsync(1000, 7, 1);
        Assert.NotEqual("TensorNotFoundException", await reader.FetchAsync(once));
        Assert.Equal("TensorNotFoundException", await reader.FetchAsync(once));
    }

    [Fact]
    public async Task GpuGrainsGoOnlyToGpuSilos_InProportionToTheirGpus()
    {
        var silos = _cluster.Silos.Select(s => s.SiloAddress).ToArray();
        var placed = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => _cluster.Client.GetGrain<IGpuWorkGrain>(i).SiloAsync()));
        var counts = silos.Select(s => placed.Count(p => p == s)).ToArray();
        Assert.Equal(0, counts[0]);
        // Silo 1 holds 1 of the 4 GPUs: Binomial(400, 1/4) has mean 100 and sd 8.7; 5 sd either side.
        Assert.InRange(counts[1], 57, 143);
        Assert.Equal(400, counts[1] + counts[2]);
    }

    [Fact]
    public async Task CoreWeightedGrainsFollowTheCores_AndAHintPlacesAWorkerWhereTheCoordinatorChose()
    {
        var silos = _cluster.Silos.Select(s => s.SiloAddress).ToArray();
        var placed = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => _cluster.Client.GetGrain<ICoreWorkGrain>(i).SiloAsync()));
        var counts = silos.Select(s => placed.Count(p => p == s)).ToArray();
        // Cores 1, 1, 2: silo 2 takes half. Binomial(400, 1/2) has sd 10; 5 sd either side.
        Assert.InRange(counts[2], 150, 250);
        Assert.All(counts, c => Assert.True(c > 0));

        foreach (var (silo, key) in silos.Select((s, i) => (s, 10_000 + i)))
        {
            using (PlacementHint.On(silo))
            {
                Assert.Equal(silo, await _cluster.Client.GetGrain<ICoreWorkGrain>(key).SiloAsync());
            }
        }

        // A hint naming a silo without a GPU cannot place a GPU grain there.
        using (PlacementHint.On(silos[0]))
        {
            var gpuPlaced = await Task.WhenAll(Enumerable.Range(20_000, 20).Select(i => _cluster.Client.GetGrain<IGpuWorkGrain>(i).SiloAsync()));
            Assert.DoesNotContain(silos[0], gpuPlaced);
        }
    }
}
