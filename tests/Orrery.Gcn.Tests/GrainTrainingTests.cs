using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Compute.Cpu;
using Orrery.Contracts.Gcn;
using Orrery.Contracts.MetricGraphs;
using Orrery.Gcn.Experiments;
using Orrery.Gcn.Training;
using Orrery.Testing;

namespace Orrery.Gcn.Tests;

/// <summary>
/// Training on grains across an embedded Orleans cluster of two silos against <see cref="InProcessTrainer"/> on the
/// same plans: the coordinator runs the in-process trainer's operations in its order (each part's arithmetic is its
/// own, weight gradients are summed in part order, Adam runs once), so every epoch's loss and accuracies and the final
/// weights agree to the bit, in every exchange mode, whether the boundary blocks travel inline or by tensor reference.
/// A halo row from the wrong part, a block delivered twice or a gradient summed out of order changes the bits.
/// </summary>
public sealed class GrainTrainingTests
{
    private const int Epochs = 4;

    [Theory]
    [InlineData("vanilla", 0, "local", 1)]
    [InlineData("pipelined", 0, "local", 1)]
    [InlineData("smoothed", 0, "local", 1)]
    [InlineData("vanilla", 1 << 20, "local", 1)]
    [InlineData("pipelined", 0, "exchanged", 1)]
    [InlineData("vanilla", 0, "precompute", 1)]
    [InlineData("pipelined", 1 << 20, "precompute", 1)]
    [InlineData("vanilla", 0, "exchanged", 3)]
    [InlineData("smoothed", 0, "local", 3)]
    public async Task GrainsTrainBitwiseAsTheInProcessTrainer(string mode, int inlineLimit, string firstLayer, int evaluateEvery)
    {
        var request = Request(mode, inlineLimit);
        request.PrecomputeFirstLayer = firstLayer == "precompute";
        request.ExchangeInputRows = firstLayer == "exchanged";
        request.EvaluateEvery = evaluateEvery;
        var setup = GcnRunSetup.Build(request);
        using var device = new CpuDevice();
        using var reference = new InProcessTrainer(device, setup.Model, setup.TrainingPlans(), setup.Exchange, request.LearningRate, request.WeightDecay);
        var expected = reference.Train(Epochs);

        await using var cluster = await OrleansEmbeddedCluster.StartAsync(new int[2]);
        var coordinator = cluster.Client.GetGrain<IGcnCoordinatorGrain>($"gcn-test/{mode}/{inlineLimit}/{firstLayer}/{evaluateEvery}");
        var start = await Orrery.Gcn.Experiments.GcnJob.StartAsync(coordinator, request, CancellationToken.None);
        Assert.Equal(2, start.Parts.Select(p => p.Silo).Distinct().Count());
        Assert.Equal(setup.Plans.Select(p => p.HaloCount), start.Parts.Select(p => p.Halo));

        var epochs = await TrainToEndAsync(coordinator, reply => Assert.NotEmpty(reply.Epochs));

        // With training.evaluate_every: 3 of 4 epochs, epochs 3 and 4 (the last) are evaluated; the others report NaN
        // accuracies and no evaluation time, and train with the same bits (the evaluation pass changes no state the
        // training reads).
        Assert.Equal(Epochs, epochs.Count);
        var (training, evaluation) = ExpectedBytes(setup);
        for (var e = 0; e < Epochs; e++)
        {
            var evaluated = (e + 1) % evaluateEvery == 0 || e == Epochs - 1;
            Assert.Equal(expected[e].Loss, epochs[e].Loss);
            Assert.Equal(evaluated ? expected[e].TrainAccuracy : double.NaN, epochs[e].TrainAccuracy);
            Assert.Equal(evaluated ? expected[e].ValidationAccuracy : double.NaN, epochs[e].ValidationAccuracy);
            Assert.Equal(evaluated ? expected[e].TestAccuracy : double.NaN, epochs[e].TestAccuracy);
            Assert.Equal(evaluated, epochs[e].EvaluationSeconds > 0);
            if (mode == "vanilla" || (e > 0 && e < Epochs - 1))
            {
                Assert.Equal(training + (evaluated ? evaluation : 0), epochs[e].ExchangedBytes);
            }
        }

        // Pipelined: an iteration's training exchanges end in the next epoch (the last one's before the run ends), so the
        // first epoch counts less and the last more; over the run every block was moved once.
        var evaluations = Enumerable.Range(0, Epochs).Count(e => (e + 1) % evaluateEvery == 0 || e == Epochs - 1);
        Assert.Equal(Epochs * training + evaluations * evaluation, epochs.Sum(e => e.ExchangedBytes));

        var weights = await coordinator.GetWeightsAsync();
        Assert.Equal(reference.Parameters.Entries.Select(x => x.Name), weights.Select(w => w.Name));
        foreach (var (entry, weight) in reference.Parameters.Entries.Zip(weights))
        {
            Assert.Equal(entry.Value.Span.ToArray(), weight.Values);
        }
    }

    /// <summary>
    /// A run resumed on a fresh coordinator from the checkpoint another coordinator handed over after epoch 2 finishes
    /// with the in-process trainer's weights to the bit (vanilla); the epochs it reports are 2 and 3. A checkpoint
    /// that does not fit the model, or a resume of a run that has trained, is refused by name.
    /// </summary>
    [Fact]
    public async Task ACheckpointResumesTheRunOnAFreshCoordinatorWithTheSameBits()
    {
        var request = Request("vanilla", 1 << 20);
        request.CheckpointEvery = 2;
        var setup = GcnRunSetup.Build(request);
        using var device = new CpuDevice();
        using var reference = new InProcessTrainer(device, setup.Model, setup.TrainingPlans(), setup.Exchange, request.LearningRate, request.WeightDecay);
        var expected = reference.Train(Epochs);

        await using var cluster = await OrleansEmbeddedCluster.StartAsync(new int[2]);
        var first = cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/checkpoint/first");
        await Orrery.Gcn.Experiments.GcnJob.StartAsync(first, request, CancellationToken.None);
        GcnCheckpoint? checkpoint = null;
        while (checkpoint is null)
        {
            var reply = await first.AdvanceAsync(0, CancellationToken.None);
            Assert.False(reply.Finished, "the run finished without handing over a checkpoint");
            checkpoint = reply.Checkpoint;
        }

        Assert.Equal(2, checkpoint.Epoch);
        var trained = await Assert.ThrowsAsync<GcnRequestException>(() => first.ResumeAsync(checkpoint));
        Assert.Contains("before it trains", trained.Message);

        var second = cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/checkpoint/second");
        await Orrery.Gcn.Experiments.GcnJob.StartAsync(second, request, CancellationToken.None);
        var misfit = await Assert.ThrowsAsync<GcnRequestException>(() => second.ResumeAsync(new GcnCheckpoint { Epoch = 2, Weights = new float[3], AdamFirst = new float[3], AdamSecond = new float[3] }));
        Assert.Contains("this model has", misfit.Message);
        await second.ResumeAsync(checkpoint);
        var epochs = await TrainToEndAsync(second);

        Assert.Equal([2, 3], epochs.Select(e => e.Epoch));
        Assert.Equal(expected[3].Loss, epochs[^1].Loss);
        foreach (var (entry, weight) in reference.Parameters.Entries.Zip(await second.GetWeightsAsync()))
        {
            Assert.Equal(entry.Value.Span.ToArray(), weight.Values);
        }
    }

    [Fact]
    public async Task CallsBeforeSetUpAndBadPartsAreRefusedByName()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync(new int[1]);
        var part = cluster.Client.GetGrain<IGcnPartitionGrain>("gcn-test/unset/part-0");
        var lost = await Assert.ThrowsAsync<GcnPartLostException>(() => part.ForwardLayerAsync(0));
        Assert.Contains("was not set up", lost.Message);
        Assert.False(await part.IsSetUpAsync());
        var error = await Assert.ThrowsAsync<GcnRequestException>(() => part.SetUpAsync(Request("vanilla", 0), 7, "cpu", 30, CancellationToken.None));
        Assert.Contains("part is 7; the run has 3 parts", error.Message);
        var coordinator = cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/unstarted");
        var runLost = await Assert.ThrowsAsync<GcnRunLostException>(() => coordinator.AdvanceAsync(1, CancellationToken.None));
        Assert.Contains("was not started", runLost.Message);
    }

    /// <summary>
    /// <c>training.device: gpu</c> places the parts on the GPUs the silos advertise in their metadata and nowhere else.
    /// Silo 0 advertises one GPU it does not have (as a silo whose GPU failed after it joined), so the part's set-up there
    /// fails, naming the silo, the device and what the silo has, and no part was sent to silo 1; on a cluster that
    /// advertises no GPU the start fails naming training.device. With <c>cpu</c> the same request trains on both silos.
    /// </summary>
    [Fact]
    public async Task GpuRunsGoOnlyToAdvertisedGpusAndAreRefusedByNameWithoutThem()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync([1, 0]);
        await WaitForSiloMetadataAsync(cluster);
        var request = Request("vanilla", 0);
        request.Device = DevicePreference.Gpu;
        var error = await Assert.ThrowsAsync<GcnRequestException>(() => GcnJob.StartAsync(cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/gpu-advertised"), request, CancellationToken.None));
        Assert.Contains("silo 'embedded-0' has no device 'cuda:0'; it has cpu", error.Message);

        request.Device = DevicePreference.Cpu;
        var start = await GcnJob.StartAsync(cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/gpu-cpu"), request, CancellationToken.None);
        Assert.Equal(["cpu"], start.Parts.Select(p => p.Device).Distinct());
        Assert.Equal(2, start.Parts.Select(p => p.Silo).Distinct().Count());

        await using var noGpus = await OrleansEmbeddedCluster.StartAsync(new int[2]);
        await WaitForSiloMetadataAsync(noGpus);
        request.Device = DevicePreference.Gpu;
        var none = await Assert.ThrowsAsync<GcnRequestException>(() => GcnJob.StartAsync(noGpus.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/gpu-none"), request, CancellationToken.None));
        Assert.Contains("training.device is 'gpu', and none of the 2 active silos offers a GPU", none.Message);
    }

    /// <summary>
    /// A graph file with a bad line, met during the set-up slices on the silos: the start fails with the file and the
    /// line in the message, and the coordinator refuses to train.
    /// </summary>
    [Fact]
    public async Task BadGraphFileFailsTheSetUpNamingFileAndLine()
    {
        var folder = Directory.CreateTempSubdirectory("orrery-gcn-bad-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "edges.csv"), "0,1\n1,x\n");
            File.WriteAllText(Path.Combine(folder, "features.csv"), "1,0\n0,1\n1,1\n");
            File.WriteAllText(Path.Combine(folder, "labels.csv"), "0\n1\n1\n");
            var request = Request("vanilla", 0);
            (request.Source, request.Parts) = ("files", 2);
            (request.EdgesPath, request.FeaturesPath, request.LabelsPath) = (Path.Combine(folder, "edges.csv"), Path.Combine(folder, "features.csv"), Path.Combine(folder, "labels.csv"));

            await using var cluster = await OrleansEmbeddedCluster.StartAsync(new int[1]);
            var coordinator = cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/bad-file");
            var error = await Assert.ThrowsAsync<GcnRequestException>(() => Orrery.Gcn.Experiments.GcnJob.StartAsync(coordinator, request, CancellationToken.None));
            Assert.Contains("edges.csv: line 2: '1,x' is not two integer node ids", error.Message);
            error = await Assert.ThrowsAsync<GcnRequestException>(() => coordinator.AdvanceAsync(1, CancellationToken.None));
            Assert.Contains("is not set up yet", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Waits (at most 30 s) until every silo's metadata cache holds every active silo's capabilities.</summary>
    internal static async Task WaitForSiloMetadataAsync(OrleansEmbeddedCluster cluster)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        bool Complete() => cluster.Silos.All(services =>
        {
            var members = services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).ToList();
            var cache = services.GetRequiredService<ISiloMetadataCache>();
            return members.Count == cluster.Silos.Count && members.All(m => cache.GetSiloMetadata(m.SiloAddress).Metadata.ContainsKey(SiloCapabilityMetadata.GpuCountKey));
        });
        while (!Complete())
        {
            Assert.True(DateTime.UtcNow < deadline, "the silos' metadata caches did not fill within 30 s");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// An epoch's exchanged bytes: every halo row of every aggregating layer twice forward (training and evaluation
    /// passes) and once backward, except layer 0: no gradient (the raw features need none), and no rows either unless
    /// they are exchanged (not precomputed, not formed by each part itself).
    /// </summary>
    private static (long Training, long Evaluation) ExpectedBytes(GcnRunSetup setup)
    {
        // Per aggregating layer, the halo rows of its input cross once forward and (but for layer 0) once backward in the
        // training step, and once forward in the evaluation pass; layer 0's only when they are exchanged, not formed locally.
        var halo = setup.Plans.Sum(p => (long)p.HaloCount);
        var (training, evaluation) = (0L, 0L);
        for (var l = 0; l < setup.Model.Layers; l++)
        {
            var crosses = setup.Model.Aggregates(l) && (l > 0 || (setup.Model.ExchangeInputRows && !setup.Model.PrecomputeFirstLayer));
            var rows = crosses ? halo * setup.Model.InputWidth(l) * sizeof(float) : 0;
            training += (l == 0 ? 1 : 2) * rows;
            evaluation += rows;
        }

        return (training, evaluation);
    }

    /// <summary>
    /// Releasing a run half-way gives its memory back at once: the coordinator's and every part's activation are
    /// deactivated (Orleans's management grain counts none of them within the deadline, where idle collection would
    /// take minutes), a call after it reaches a fresh activation that knows no run, and releasing again is harmless.
    /// </summary>
    [Fact]
    public async Task ReleaseDeactivatesTheRunsGrains()
    {
        var request = Request("pipelined", 0);
        await using var cluster = await OrleansEmbeddedCluster.StartAsync(new int[2]);
        var coordinator = cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/release");
        await Orrery.Gcn.Experiments.GcnJob.StartAsync(coordinator, request, CancellationToken.None);
        Assert.False((await coordinator.AdvanceAsync(0, CancellationToken.None)).Finished);
        Assert.Equal((1, request.Parts), await ActivationsAsync(cluster));

        await coordinator.ReleaseAsync();
        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 0), TimeSpan.FromSeconds(30), "the run's grains to be deactivated");
        await Assert.ThrowsAsync<GcnRunLostException>(() => coordinator.AdvanceAsync(0, CancellationToken.None));
        await coordinator.ReleaseAsync();
    }

    /// <summary>
    /// A coordinator or part activated by a call that gives it no work (here a set-up or a block for a run it does not
    /// hold; in a released run, the cancellation of a call that Orleans delivers late activates the grain again) ends
    /// by itself within <see cref="StrayActivation.Patience"/> instead of holding an activation until idle collection.
    /// </summary>
    [Fact]
    public async Task ActivationsGivenNoWorkEndByThemselves()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync(new int[2]);
        await Assert.ThrowsAsync<GcnRunLostException>(() => cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-test/stray").SetUpAsync(0, CancellationToken.None));
        await Assert.ThrowsAsync<GcnPartLostException>(() =>
            cluster.Client.GetGrain<IGcnPartitionGrain>("gcn-test/stray/p0").ReceiveFeaturesAsync(0, false, true, [], CancellationToken.None));
        Assert.Equal((1, 1), await ActivationsAsync(cluster));
        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 0), StrayActivation.Patience + TimeSpan.FromSeconds(20), "the stray coordinator and part to be deactivated");
    }

    internal static GcnTrainRequest Request(string mode, int inlineLimit) => new()
    {
        Name = "grains",
        Source = "csbm",
        Nodes = 240,
        Classes = 4,
        Features = 8,
        PIn = 6.0 / 60,
        POut = 2.0 / 240,
        Separation = 1.0,
        DataSeed = 3,
        Layers = 3,
        Hidden = 16,
        LinearLayers = 1,
        Kind = "sage",
        Dropout = 0.5f,
        Partitioning = "random",
        Parts = 3,
        Mode = mode,
        Smooth = "both",
        Gamma = 0.9f,
        Epochs = Epochs,
        LearningRate = 0.01f,
        WeightDecay = 5e-4f,
        Seed = 7,
        InlineLimitBytes = inlineLimit,
    };

    /// <summary>Advances the run until it finishes; the epochs every answer reported, in order. <paramref name="each"/> sees each answer.</summary>
    internal static async Task<List<GcnEpochRecord>> TrainToEndAsync(IGcnCoordinatorGrain coordinator, Action<GcnAdvanceReply>? each = null)
    {
        var epochs = new List<GcnEpochRecord>();
        for (var finished = false; !finished;)
        {
            var reply = await coordinator.AdvanceAsync(0, CancellationToken.None);
            each?.Invoke(reply);
            epochs.AddRange(reply.Epochs);
            finished = reply.Finished;
        }

        return epochs;
    }

    /// <summary>Activations of the GCN coordinator and partition grains over the cluster's silos.</summary>
    internal static async Task<(int Coordinators, int Partitions)> ActivationsAsync(OrleansEmbeddedCluster cluster)
    {
        var statistics = await cluster.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetSimpleGrainStatistics();
        int Count(string type) => statistics.Where(s => s.GrainType.Contains(type, StringComparison.Ordinal)).Sum(s => s.ActivationCount);
        return (Count(nameof(Grains.GcnCoordinatorGrain)), Count(nameof(Grains.GcnPartitionGrain)));
    }
}
