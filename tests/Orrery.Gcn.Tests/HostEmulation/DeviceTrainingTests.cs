using Orrery.Compute.Cpu;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;
using Orrery.Testing.HostEmulation;

namespace Orrery.Gcn.Tests.HostEmulation;

/// <summary>
/// Whole training runs with the model on a GPU-kind device: a <see cref="HostEmulatedGpu"/> whose launches run
/// kernels/gcn.cu, gcn_dense.cu, gcn_loss.cu and gcn_rows.cu compiled by g++. Its tensors are not host memory to the
/// model (<see cref="Tensor2.Span"/> refuses them), so everything the model reads or writes goes through launches,
/// uploads and downloads, as on a GPU. Each kernel equals its CPU twin bitwise (the kernel tests beside this one) and
/// the emulation's GEMM is the CPU device's, so the expected result is bitwise the CPU device's run: every epoch's
/// loss and accuracies and the final weights. On a real GPU cuBLAS's GEMM sums in another order, which
/// orrery-gpucheck's training rows allow for with a stated tolerance.
/// </summary>
public sealed class DeviceTrainingTests
{
    private const int Epochs = 3;

    [Theory]
    [InlineData(GcnLayerKind.Sage, ExchangeMode.Vanilla, false, false)]
    [InlineData(GcnLayerKind.Gcn, ExchangeMode.Vanilla, false, true)]
    [InlineData(GcnLayerKind.Gcn, ExchangeMode.Pipelined, false, false)]
    [InlineData(GcnLayerKind.Sage, ExchangeMode.Pipelined, false, true)]
    [InlineData(GcnLayerKind.Sage, ExchangeMode.Smoothed, true, false)]
    public void TrainingOnAGpuKindDeviceEqualsTheCpuDeviceBitwise(GcnLayerKind kind, ExchangeMode mode, bool precompute, bool exchangeInputRows)
    {
        var graph = TestGraphs.SmallCsbm(nodes: 400, seed: 7);
        var config = new GcnModelConfig(
            graph.FeatureCount, Hidden: 16, Classes: graph.ClassCount, Layers: 3, LinearTail: 1, Kind: kind, Dropout: 0.3f, PrecomputeFirstLayer: precompute, Seed: 5,
            ExchangeInputRows: exchangeInputRows);
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 3, seed: 3), 3, kind, haloFeatures: config.NeedsHaloFeatures);
        var exchange = new ExchangeSettings(mode);

        using var cpu = new CpuDevice();
        using var onCpu = new InProcessTrainer(cpu, config, plans, exchange, learningRate: 0.01f, weightDecay: 5e-4f);
        var expected = onCpu.Train(Epochs);

        using var gpu = EmulatedGpu();
        using var onGpu = new InProcessTrainer(gpu, config, plans, exchange, learningRate: 0.01f, weightDecay: 5e-4f);
        var launchesBefore = gpu.Launches;
        var actual = onGpu.Train(Epochs);

        for (var e = 0; e < Epochs; e++)
        {
            Assert.Equal(expected[e].Loss, actual[e].Loss);
            Assert.Equal(expected[e].TrainAccuracy, actual[e].TrainAccuracy);
            Assert.Equal(expected[e].ValidationAccuracy, actual[e].ValidationAccuracy);
            Assert.Equal(expected[e].TestAccuracy, actual[e].TestAccuracy);
        }

        Assert.Equal(onCpu.Parameters.Flatten(), onGpu.Parameters.Flatten());
        Assert.NotEqual(onCpu.Parameters.Flatten(), InitialWeights(cpu, config));
        // Every epoch: per part and layer at least the aggregation or GEMM's neighbours (LayerNorm, dropout, the loss).
        Assert.True(gpu.Launches - launchesBefore >= Epochs * plans.Length * config.Layers, $"{gpu.Launches - launchesBefore} launches in {Epochs} epochs");
    }

    [Fact]
    public void AGpuTensorIsReadOnlyThroughDownloads()
    {
        using var gpu = EmulatedGpu();
        using var tensor = new Tensor2(gpu, 3, 5);
        var error = Assert.Throws<InvalidOperationException>(() => tensor.Span.Length);
        Assert.Contains("cuda:host-emulated", error.Message);
        Assert.Contains("Download", error.Message);
        Assert.Equal(new float[15], tensor.ToArray());

        var values = Enumerable.Range(1, 15).Select(i => (float)i).ToArray();
        tensor.Upload(values);
        Assert.Equal(values, tensor.ToArray());
        tensor.Clear();
        Assert.Equal(new float[15], tensor.ToArray());
        Assert.Contains("16 values for a (3, 5) tensor of 15", Assert.Throws<ArgumentException>(() => tensor.Upload(new float[16])).Message);
    }

    private static HostEmulatedGpu EmulatedGpu() => new(GcnHostKernels.RegisterAll);

    private static float[] InitialWeights(CpuDevice device, GcnModelConfig config)
    {
        using var parameters = new GcnParameters(device, config);
        parameters.Initialise();
        return parameters.Flatten();
    }
}
