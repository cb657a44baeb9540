using System.Diagnostics;
using Orleans.Configuration;
using Orleans.Hosting;
using Orrery.Cluster.Silos;
using Orrery.Compute.Cpu;
using Orrery.Contracts.Gcn;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Tests;

/// <summary>
/// Training on an embedded cluster whose calls have a short deadline (Orleans's response timeout, client and silos, 2 s)
/// and whose epochs are longer than it: an incoming-call filter holds every call to a partition grain for
/// <see cref="SlowPart"/>, and an epoch is more than ten such calls one after another (layer by layer forward and
/// backward, then the evaluation). Each call stays far inside the deadline; the epoch does not, as it would not on a
/// large graph. An advance call used to run a whole epoch and timed out; now the epoch runs off the call, and a call
/// answers within a third of the response timeout with the epochs that ended meanwhile.
/// </summary>
public sealed class DeadlineTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SlowPart = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task EpochsLongerThanTheCallDeadlineTrainToTheSameBits()
    {
        var request = GrainTrainingTests.Request("vanilla", 1 << 20);
        request.Epochs = 2;
        var setup = GcnRunSetup.Build(request);
        using var device = new CpuDevice();
        using var reference = new InProcessTrainer(device, setup.Model, setup.TrainingPlans(), setup.Exchange, request.LearningRate, request.WeightDecay);
        var expected = reference.Train(request.Epochs);

        await using var cluster = await StartClusterAsync();
        var coordinator = cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-deadline/train");
        await Orrery.Gcn.Experiments.GcnJob.StartAsync(coordinator, request, CancellationToken.None, grains: cluster.Client);

        var epochs = new List<GcnEpochRecord>();
        var emptyReplies = 0;
        var longestCall = TimeSpan.Zero;
        for (var finished = false; !finished;)
        {
            var call = Stopwatch.StartNew();
            var reply = await coordinator.AdvanceAsync(0, CancellationToken.None);
            longestCall = call.Elapsed > longestCall ? call.Elapsed : longestCall;
            emptyReplies += reply.Epochs.Count == 0 ? 1 : 0;
            epochs.AddRange(reply.Epochs);
            finished = reply.Finished;
        }

        Assert.True(epochs.All(e => e.Seconds > Deadline.TotalSeconds), $"the training steps took {string.Join(", ", epochs.Select(e => $"{e.Seconds:F1} s"))}, not all longer than the {Deadline.TotalSeconds} s deadline");
        Assert.True(emptyReplies > 0, "every advance call waited for a whole epoch");
        Assert.True(longestCall < Deadline, $"an advance call took {longestCall.TotalSeconds:F1} s");
        Assert.Equal([0, 1], epochs.Select(e => e.Epoch));
        for (var e = 0; e < request.Epochs; e++)
        {
            Assert.Equal(expected[e].Loss, epochs[e].Loss);
            Assert.Equal(expected[e].TestAccuracy, epochs[e].TestAccuracy);
        }

        foreach (var (entry, weight) in reference.Parameters.Entries.Zip(await coordinator.GetWeightsAsync()))
        {
            Assert.Equal(entry.Value.Span.ToArray(), weight.Values);
        }

        await coordinator.ReleaseAsync();
    }

    /// <summary>
    /// A run released while an epoch is in flight (the client interrupted): the release stops the epoch and frees the
    /// run, and the coordinator is gone afterwards, rather than the epoch going on against released parts.
    /// </summary>
    [Fact]
    public async Task ReleaseDuringAnEpochStopsIt()
    {
        var request = GrainTrainingTests.Request("pipelined", 0);
        request.Epochs = 50;
        await using var cluster = await StartClusterAsync();
        var coordinator = cluster.Client.GetGrain<IGcnCoordinatorGrain>("gcn-deadline/release");
        await Orrery.Gcn.Experiments.GcnJob.StartAsync(coordinator, request, CancellationToken.None, grains: cluster.Client);

        var reply = await coordinator.AdvanceAsync(0, CancellationToken.None);
        Assert.Empty(reply.Epochs);
        var release = Stopwatch.StartNew();
        await coordinator.ReleaseAsync();
        Assert.True(release.Elapsed < TimeSpan.FromSeconds(15), $"the release took {release.Elapsed.TotalSeconds:F1} s");
        await Assert.ThrowsAsync<GcnRunLostException>(() => coordinator.AdvanceAsync(0, CancellationToken.None));
    }

    private static Task<OrleansEmbeddedCluster> StartClusterAsync() => OrleansEmbeddedCluster.StartAsync(
        new int[2],
        (_, silo) => silo
            .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = Deadline)
            .AddIncomingGrainCallFilter(async call =>
            {
                if (call.Grain is IGcnPartitionGrain)
                {
                    await Task.Delay(SlowPart);
                }

                await call.Invoke();
            }),
        configureClient: client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = Deadline));
}
