using System.Net;
using Orleans.Runtime;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Gcn;
using Orrery.Contracts.MetricGraphs;
using Orrery.Gcn.Grains;

namespace Orrery.Gcn.Tests;

/// <summary>Which device each part of a run computes on (<see cref="GcnDevicePlan"/>), from the silos' advertised devices.</summary>
public sealed class DevicePlanTests
{
    private static readonly ClusterSiloInfo[] Silos =
    [
        Silo("a", 1),                // one GPU
        Silo("b", 0),                // CPU only
        Silo("c", 2, "cuda:1,cuda:3"), // two GPUs, ordinals 1 and 3
    ];

    [Fact]
    public void AnyTakesEveryGpuAndTheCpuOfSilosWithout()
    {
        var parts = GcnDevicePlan.Assign(Silos, DevicePreference.Any, 6);
        Assert.Equal(["a/cuda:0", "b/cpu", "c/cuda:1", "c/cuda:3", "a/cuda:0", "b/cpu"], parts.Select(Describe));
    }

    [Fact]
    public void GpuTakesOnlyGpusAndCpuOnlyCpus()
    {
        Assert.Equal(["a/cuda:0", "c/cuda:1", "c/cuda:3", "a/cuda:0"], GcnDevicePlan.Assign(Silos, DevicePreference.Gpu, 4).Select(Describe));
        Assert.Equal(["a/cpu", "b/cpu", "c/cpu"], GcnDevicePlan.Assign(Silos, DevicePreference.Cpu, 3).Select(Describe));
    }

    [Fact]
    public void GpuWithoutGpusIsRefusedNamingTheField()
    {
        var error = Assert.Throws<GcnRequestException>(() => GcnDevicePlan.Assign([Silo("b", 0), Silo("d", 0)], DevicePreference.Gpu, 2));
        Assert.Contains("training.device is 'gpu', and none of the 2 active silos offers a GPU", error.Message);
        Assert.Equal(["b/cpu", "d/cpu"], GcnDevicePlan.Assign([Silo("b", 0), Silo("d", 0)], DevicePreference.Any, 2).Select(Describe));
    }

    private static string Describe(GcnDeviceSlot slot) => $"{Silos.Concat([Silo("d", 0)]).First(s => s.Address.Equals(slot.Silo)).Name}/{slot.Device}";

    private static ClusterSiloInfo Silo(string name, int gpus, string? devices = null) => new()
    {
        Name = name,
        Address = SiloAddress.New(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1000 + name[0]), 1),
        GpuDevices = devices?.Split(',') ?? [.. Enumerable.Range(0, gpus).Select(g => $"cuda:{g}")],
        CpuCores = 4,
    };
}
