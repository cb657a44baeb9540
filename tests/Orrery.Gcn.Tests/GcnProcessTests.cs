using Orrery.Cluster.Placement;
using Orrery.Compute.Cpu;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Gcn;
using Orrery.Gcn.Training;
using Orrery.Testing;

namespace Orrery.Gcn.Tests;

/// <summary>GCN training across three real silo processes (Redis clustering), one of them killed mid-run.</summary>
public sealed class GcnProcessTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    /// <summary>
    /// Vanilla training of 6 parts over 3 silo processes; after epoch 3 the silo holding part 1 (not the coordinator's)
    /// is killed with SIGKILL. Its parts are set up again on the survivors and the interrupted phase runs again, so every
    /// epoch's loss and accuracies and the final weights are those of the in-process trainer, to the bit.
    /// </summary>
    [Fact]
    public async Task KilledPartSiloChangesNoBitOfVanillaTraining()
    {
        var request = GrainTrainingTests.Request("vanilla", 0);
        request.Parts = 6;
        request.Epochs = 10;
        var setup = GcnRunSetup.Build(request);
        using var device = new CpuDevice();
        using var reference = new InProcessTrainer(device, setup.Model, setup.Plans, setup.Exchange, request.LearningRate, request.WeightDecay);
        var expected = reference.Train(request.Epochs);

        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var client = cluster.Client;
        var silos = await client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        var first = silos.Single(s => s.Name == cluster.Silos[0].Name).Address;
        var coordinator = client.GetGrain<IGcnCoordinatorGrain>("gcn-kill");
        GcnStartReply start;
        using (PlacementHint.On(first))
        {
            start = await coordinator.StartAsync(request, CancellationToken.None);
        }

        Assert.Equal(cluster.Silos[0].Name, start.CoordinatorSilo);
        var victim = cluster.Silos.Single(s => s.Name == start.Parts[1].Silo);
        Assert.NotEqual(start.CoordinatorSilo, victim.Name);
        var victimAddress = silos.Single(s => s.Name == victim.Name).Address.ToString();

        var epochs = new List<GcnEpochRecord>();
        GcnAdvanceReply reply;
        do
        {
            reply = await coordinator.AdvanceAsync(0, CancellationToken.None);
            epochs.AddRange(reply.Epochs);
            if (epochs.Count == 3)
            {
                victim.Kill();
            }
        }
        while (!reply.Finished);

        Assert.True(reply.Recoveries >= 1, "no phase was repeated after the kill");
        Assert.DoesNotContain(victimAddress, reply.PartSilos);
        Assert.Equal(request.Epochs, epochs.Count);
        for (var e = 0; e < request.Epochs; e++)
        {
            Assert.Equal(expected[e].Loss, epochs[e].Loss);
            Assert.Equal(expected[e].TestAccuracy, epochs[e].TestAccuracy);
        }

        var weights = await coordinator.GetWeightsAsync();
        foreach (var (entry, weight) in reference.Parameters.Entries.Zip(weights))
        {
            Assert.Equal(entry.Value.Span.ToArray(), weight.Values);
        }
    }
}
