using Orrery.Cluster.Grains;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Tests.Placement;

public sealed class RendezvousPlacementTests
{
    private const int Keys = 10_000;

    [Fact]
    public void EqualSilosShareKeysEvenly()
    {
        var silos = Enumerable.Range(0, 4).Select(i => Silo(i, cores: 8)).ToList();
        var counts = Count(silos, PlacementRequirement.Any);

        // Each count is Binomial(10000, 1/4): sd = sqrt(10000 * 0.25 * 0.75) = 43.3. The bound
        // ±250 (10% of the fair share) is 5.8 sd, so an unbiased hash fails it with p < 1e-8.
        Assert.All(silos, s => Assert.InRange(counts[s.Name], 2500 - 250, 2500 + 250));
    }

    [Fact]
    public void SharesFollowCapacityWeights()
    {
        List<SiloEntry> silos = [Silo(0, cores: 2), Silo(1, cores: 4), Silo(2, cores: 2)];
        var counts = Count(silos, PlacementRequirement.Any);

        // Expected shares 1/4, 1/2, 1/4: sd at most sqrt(10000 * 0.5 * 0.5) = 50; bound ±300 = 6 sd.
        Assert.InRange(counts["s0"], 2500 - 300, 2500 + 300);
        Assert.InRange(counts["s1"], 5000 - 300, 5000 + 300);
        Assert.InRange(counts["s2"], 2500 - 300, 2500 + 300);
    }

    [Fact]
    public void JoiningSiloTakesKeysOnlyForItself()
    {
        var before = Enumerable.Range(0, 4).Select(i => Silo(i, cores: 4)).ToList();
        var joined = Silo(4, cores: 4);
        var after = before.Append(joined).ToList();
        var moved = 0;
        for (var i = 0; i < Keys; i++)
        {
            var id = new GrainId("t", $"k{i}");
            var oldOwner = RendezvousPlacement.SelectOwner(id, PlacementRequirement.Any, before)!;
            var newOwner = RendezvousPlacement.SelectOwner(id, PlacementRequirement.Any, after)!;
            if (oldOwner.Name != newOwner.Name)
            {
                Assert.Equal(joined.Name, newOwner.Name);
                moved++;
            }
        }

        // The newcomer should win 1/5 of the keys: 2000 ± 5 sd (sd = 40).
        Assert.InRange(moved, 2000 - 200, 2000 + 200);
    }

    [Fact]
    public void LeavingSiloGivesUpOnlyItsOwnKeys()
    {
        var before = Enumerable.Range(0, 5).Select(i => Silo(i, cores: 4)).ToList();
        var leaving = before[2];
        var after = before.Where(s => s != leaving).ToList();
        for (var i = 0; i < Keys; i++)
        {
            var id = new GrainId("t", $"k{i}");
            var oldOwner = RendezvousPlacement.SelectOwner(id, PlacementRequirement.Any, before)!;
            var newOwner = RendezvousPlacement.SelectOwner(id, PlacementRequirement.Any, after)!;
            if (oldOwner.Name != leaving.Name)
            {
                Assert.Equal(oldOwner.Name, newOwner.Name);
            }
        }
    }

    [Fact]
    public void GpuGrainsGoOnlyToGpuSilosWeightedByGpuCount()
    {
        List<SiloEntry> silos = [Silo(0, cores: 64), Silo(1, cores: 8, gpus: 1), Silo(2, cores: 8, gpus: 3)];
        var view = View(silos);
        var gpuType = GrainInterface.Describe(typeof(IGpuProbeGrain));
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < Keys; i++)
        {
            var owner = RendezvousPlacement.SelectOwner(new GrainReference(new GrainId(gpuType.TypeName, $"k{i}"), gpuType, ""), view)!;
            counts[owner.Name] = counts.GetValueOrDefault(owner.Name) + 1;
        }

        Assert.False(counts.ContainsKey("s0"), "a GPU grain was placed on a silo without a GPU");
        Assert.InRange(counts["s1"], 2500 - 300, 2500 + 300);
        Assert.InRange(counts["s2"], 7500 - 300, 7500 + 300);
    }

    [Fact]
    public void GpuGrainHasNoOwnerWithoutGpuSilos()
    {
        var gpuType = GrainInterface.Describe(typeof(IGpuProbeGrain));
        var view = View([Silo(0, cores: 8)]);
        Assert.Null(RendezvousPlacement.SelectOwner(new GrainReference(new GrainId(gpuType.TypeName, "k"), gpuType, ""), view));
    }

    [Fact]
    public void PinnedGrainGoesToTheNamedSiloOrNowhere()
    {
        var anyType = GrainInterface.Describe(typeof(Contracts.Diagnostics.IEchoGrain));
        var view = View([Silo(0, 4), Silo(1, 4), Silo(2, 4)]);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("s1", RendezvousPlacement.SelectOwner(new GrainReference(new GrainId(anyType.TypeName, $"k{i}"), anyType, "s1"), view)!.Name);
        }

        Assert.Null(RendezvousPlacement.SelectOwner(new GrainReference(new GrainId(anyType.TypeName, "k"), anyType, "s9"), view));
    }

    [Fact]
    public void OnlyActiveSilosOwnGrains()
    {
        var silos = Enumerable.Range(0, 3).Select(i => Silo(i, 4)).ToList();
        silos[1].Status = SiloStatus.ShuttingDown;
        silos[2].Status = SiloStatus.Dead;
        var view = View(silos);
        Assert.Equal(["s0"], view.Active.Select(s => s.Name));
    }

    private static Dictionary<string, int> Count(IReadOnlyList<SiloEntry> silos, PlacementRequirement requirement)
    {
        var counts = silos.ToDictionary(s => s.Name, _ => 0);
        for (var i = 0; i < Keys; i++)
        {
            counts[RendezvousPlacement.SelectOwner(new GrainId("t", $"k{i}"), requirement, silos)!.Name]++;
        }

        return counts;
    }

    private static MembershipView View(IEnumerable<SiloEntry> silos)
    {
        var snapshot = new MembershipSnapshot { Version = 1 };
        snapshot.Silos.AddRange(silos);
        return new MembershipView(snapshot);
    }

    private static SiloEntry Silo(int index, int cores, int gpus = 0)
    {
        var entry = new SiloEntry
        {
            Name = $"s{index}",
            Host = $"10.0.0.{index + 1}",
            Port = 11111,
            Generation = 1,
            Status = SiloStatus.Active,
            Capabilities = new SiloCapabilities { CpuCores = cores },
        };
        for (var g = 0; g < gpus; g++)
        {
            entry.Capabilities.Gpus.Add(new GpuInfo { Index = g, Model = "H100", MemoryBytes = 80L << 30 });
        }

        return entry;
    }
}

[GrainType("test.gpu-probe")]
[Placement(PlacementRequirement.Gpu)]
public interface IGpuProbeGrain : IGrain
{
    Task<Contracts.Diagnostics.EchoReply> EchoAsync(Contracts.Diagnostics.EchoRequest request, CancellationToken cancellationToken);
}
