using Orrery.Cluster.Membership;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.Grains;

/// <summary>Where a job's ensembles go: one per device of the Active silos, GPUs weighted, the preference respected, every particle once.</summary>
public sealed class SamplingJobPlanTests
{
    // Endpoint order: a (2 GPUs), b (CPU only), c (1 GPU), d (Dead, with a GPU).
    private static readonly MembershipView View = ViewOf(("a", 2, SiloStatus.Active), ("b", 0, SiloStatus.Active), ("c", 1, SiloStatus.Active), ("d", 1, SiloStatus.Dead));

    [Fact]
    public void AnyUsesEachGpuAndTheCpuOfSilosWithoutOne()
    {
        var plan = Plan(particles: 3100, DevicePreference.Any, gpuShare: 10);
        var devices = plan.Devices(View);
        Assert.Equal(["a/cuda:0", "a/cuda:1", "b/cpu", "c/cuda:0"], devices.Select(d => $"{d.Silo}/{d.Device}"));
        var slots = plan.Split(devices);
        Assert.Equal([0L, 1000, 2000, 2100], slots.Select(s => s.FirstParticle));
        Assert.Equal([1000, 1000, 100, 1000], slots.Select(s => s.Count));
    }

    [Fact]
    public void CpuAndGpuPreferencesAndAvoidedSilos()
    {
        Assert.Equal(["a/cpu", "b/cpu", "c/cpu"], Plan(100, DevicePreference.Cpu).Devices(View).Select(d => $"{d.Silo}/{d.Device}"));
        Assert.Equal(["a/cuda:0", "a/cuda:1"], Plan(100, DevicePreference.Gpu).Devices(View, new HashSet<string> { "c" }).Select(d => $"{d.Silo}/{d.Device}"));
        var none = Assert.Throws<ArgumentException>(() => Plan(100, DevicePreference.Gpu).Split(Plan(100, DevicePreference.Gpu).Devices(View, new HashSet<string> { "a", "c" })));
        Assert.Equal("the job asks for GPUs and no Active silo reports one", none.Message);
    }

    [Fact]
    public void ExplicitEnsembleCountsCoverEveryParticleOnce()
    {
        foreach (var (particles, ensembles) in new[] { (7001L, 7), (5L, 7), (1L, 3), (1_000_003L, 64) })
        {
            var plan = Plan(particles, DevicePreference.Cpu, ensembles: ensembles);
            var slots = plan.Split(plan.Devices(View));
            Assert.Equal(Math.Min(particles, ensembles), slots.Length);
            Assert.All(slots, s => Assert.True(s.Count >= 1));
            Assert.Equal(particles, slots.Sum(s => (long)s.Count));
            for (var i = 1; i < slots.Length; i++)
            {
                Assert.Equal(slots[i - 1].FirstParticle + slots[i - 1].Count, slots[i].FirstParticle);
            }

            Assert.Equal(new[] { "a", "b", "c" }.Take(slots.Length), slots.Take(3).Select(s => s.Silo));
        }
    }

    private static SamplingJobPlan Plan(long particles, DevicePreference device, int ensembles = 0, double gpuShare = 0) => SamplingJobPlan.Validate(new SamplingJob
    {
        GraphJson = MetricGraphJson.Write(MetricGraphGenerators.Star(3, 1.0)),
        Settings = SamplingWire.ToSettings(new SamplingOptions()),
        Initial = new InitialPlacement { Kind = InitialKind.AtVertex, Vertex = 0 },
        Particles = particles,
        SliceSteps = 10,
        Device = device,
        Ensembles = ensembles,
        GpuShare = gpuShare,
    });

    private static MembershipView ViewOf(params (string Name, int Gpus, SiloStatus Status)[] silos)
    {
        var snapshot = new MembershipSnapshot { Version = 3 };
        var port = 1000;
        foreach (var (name, gpus, status) in silos)
        {
            var entry = new SiloEntry { Name = name, Host = "10.0.0.1", Port = port++, Generation = 1, Status = status, Capabilities = new SiloCapabilities { CpuCores = 8 } };
            for (var g = 0; g < gpus; g++)
            {
                entry.Capabilities.Gpus.Add(new GpuInfo { Index = g, Model = "H200", MemoryBytes = 1L << 37, Multiprocessors = 132 });
            }

            snapshot.Silos.Add(entry);
        }

        return new MembershipView(snapshot);
    }
}
