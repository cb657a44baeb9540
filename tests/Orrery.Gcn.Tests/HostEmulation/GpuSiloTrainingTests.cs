using Microsoft.Extensions.DependencyInjection;
using Orrery.Cluster.Silos;
using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Contracts.Gcn;
using Orrery.Contracts.MetricGraphs;
using Orrery.Gcn.Experiments;
using Orrery.Gcn.Training;
using Orrery.Testing.HostEmulation;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// A GCN run on an embedded cluster whose silo 0 offers one GPU and silo 1 none. The GPU is a stand-in: a
/// <see cref="HostEmulatedGpu"/> named cuda:0 that runs kernels/gcn*.cu compiled by g++ and whose tensors the model can
/// reach only by launches and copies, registered as the silo's device and advertised in its metadata as a real GPU
/// would be. The coordinator places parts on it (every part with <c>gpu</c>, silo 0's parts with <c>any</c>), the part
/// grains build their models there, and the run is bit for bit the in-process trainer's on the CPU device: each kernel
/// equals its CPU twin and the stand-in's GEMM is the CPU's, so any difference would be the GPU path's own (a tensor
/// read before its upload, a copy between devices missed).
/// </summary>
public sealed class GpuSiloTrainingTests
{
    private const int Epochs = 3;

    [Theory]
    [InlineData(DevicePreference.Gpu, "pipelined")]
    [InlineData(DevicePreference.Any, "vanilla")]
    public async Task PartsOnAGpuSiloTrainBitwiseAsOnTheCpu(DevicePreference device, string mode)
    {
        var request = GrainTrainingTests.Request(mode, 0);
        request.Device = device;
        request.Epochs = Epochs;
        var setup = GcnRunSetup.Build(request);
        using var cpu = new CpuDevice();
        using var reference = new InProcessTrainer(cpu, setup.Model, setup.TrainingPlans(), setup.Exchange, request.LearningRate, request.WeightDecay);
        var expected = reference.Train(Epochs);

        using var gpuSilo = DeviceDiscovery.WithStandIns(new CpuDevice(), [new HostEmulatedGpu(GcnHostKernels.RegisterAll, "cuda:0")]);
        await using var cluster = await OrleansEmbeddedCluster.StartAsync([1, 0], configure: (index, silo) =>
        {
            if (index == 0)
            {
                silo.Services.AddSingleton(gpuSilo);
            }
        });
        await GrainTrainingTests.WaitForSiloMetadataAsync(cluster);
        var coordinator = cluster.Client.GetGrain<IGcnCoordinatorGrain>($"gcn-test/gpu-silo/{device}");
        var start = await GcnJob.StartAsync(coordinator, request, CancellationToken.None);
        Assert.All(start.Parts, p => Assert.Equal(p.Silo == cluster.SiloNames[0] ? "cuda:0" : "cpu", p.Device));
        Assert.Equal(device == DevicePreference.Gpu ? ["cuda:0"] : ["cpu", "cuda:0"], start.Parts.Select(p => p.Device).Distinct().Order());

        var epochs = await GrainTrainingTests.TrainToEndAsync(coordinator);

        Assert.Equal(Epochs, epochs.Count);
        for (var e = 0; e < Epochs; e++)
        {
            Assert.Equal(expected[e].Loss, epochs[e].Loss);
            Assert.Equal(expected[e].TestAccuracy, epochs[e].TestAccuracy);
        }

        Assert.Equal(reference.Parameters.Flatten(), (await coordinator.GetWeightsAsync()).SelectMany(w => w.Values));
        await coordinator.ReleaseAsync();
    }
}
