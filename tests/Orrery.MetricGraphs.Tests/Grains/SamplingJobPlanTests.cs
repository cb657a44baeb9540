using System.Net;
using Orleans.Runtime;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.Grains;

/// <summary>Where a job's ensembles go: one per device of the active silos, GPUs weighted, the preference respected, every particle once.</summary>
public sealed class SamplingJobPlanTests
{
    // The active silos in address order: a (2 GPUs), b (CPU only), c (1 GPU, CUDA ordinal 3).
    private static readonly IReadOnlyList<ClusterSiloInfo> View = SilosOf(("a", ["cuda:0", "cuda:1"]), ("b", []), ("c", ["cuda:3"]));

    [Fact]
    public void AnyUsesEachGpuAndTheCpuOfSilosWithoutOne()
    {
        var plan = Plan(particles: 3100, DevicePreference.Any, gpuShare: 10);
        var devices = plan.Devices(View);
        Assert.Equal(["a/cuda:0", "a/cuda:1", "b/cpu", "c/cuda:3"], devices.Select(d => $"{d.Silo}/{d.Device}"));
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
        Assert.Equal("the job asks for GPUs and no active silo reports one", none.Message);
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

    private static IReadOnlyList<ClusterSiloInfo> SilosOf(params (string Name, string[] Gpus)[] silos) =>
        [.. silos.Select((silo, i) => new ClusterSiloInfo
        {
            Name = silo.Name,
            Address = SiloAddress.New(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1000 + i), 1),
            GpuDevices = silo.Gpus,
            CpuCores = 8,
        })];
}
