using Orrery.Contracts.Pca;
using Orrery.Pca.Experiments;
using Orrery.Pca.Solvers;
using Orrery.Pca.Tests.Support;
using Orrery.Testing;

namespace Orrery.Pca.Tests;

/// <summary>
/// The Orleans silos of three real silo processes on a real Redis, driven by an Orleans client: the same bits as one
/// shard in process, and a kill -9 mid-run of a silo holding shards and workers, or of the coordinator's own silo.
/// </summary>
public sealed class ProcessTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task ThreeSiloProcessesComputeBitwiseWhatOneShardInProcessComputes()
    {
        var source = PcaRuns.Generated("power");
        var oneShard = await PcaRuns.RunLocalAsync(PcaRuns.Request(source, rounds: 50, steps: 2, shards: 1));

        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await OrleansConnection.ConnectAsync(cluster);
        var request = PcaRuns.Request(source, rounds: 50, steps: 2, shards: 4);
        var remote = await PcaJob.RunAsync(orleans.Client, "processes", request);

        Assert.Equal(3, remote.Start.ShardSilos.Distinct().Count());
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(oneShard.Published[k], remote.Vectors[k]);
        }
    }

    /// <summary>
    /// <c>orrery run</c> with <c>kind: pca</c> as a process against the silo processes' Orleans gateways: it runs on the
    /// cluster's three silos and reaches the spec's target (E &lt; 1e-5 against the generated basis).
    /// </summary>
    [Fact]
    public async Task OrreryRunOfAPcaSpecUsesTheClustersOrleansGateways()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await (await OrleansConnection.ConnectAsync(cluster)).DisposeAsync(); // every silo sees all three before the client starts
        var folder = Directory.CreateTempSubdirectory("orrery-pca-run-").FullName;
        try
        {
            var spec = Path.Combine(folder, "pca.yaml");
            File.WriteAllText(spec, """
                kind: pca
                data: {source: generated, spectrum: exponential, dimension: 60, rows: 121, seed: 3}
                shards: 4
                components: 4
                rounds: 400
                target_error: 1.0e-5
                """);
            var output = Path.Combine(folder, "out");
            var (code, text) = await Executables.RunClientAsync(TimeSpan.FromMinutes(2),
                "run", spec, "--out", output, "--orleans-gateway", cluster.Silos[1].OrleansGateway, "--cluster-id", cluster.ClusterId);
            Assert.True(code == 0, text);
            Assert.Contains("on the cluster (3 active silos)", text);
            Assert.Contains("target E <= 1e-05 reached", text);
            using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            var run = summary.RootElement.GetProperty("runs")[0];
            Assert.True(run.GetProperty("target_reached").GetBoolean());
            Assert.Equal(3, run.GetProperty("shard_silos").EnumerateArray().Select(e => e.GetString()).Distinct().Count());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The coordinator runs on silo-0; silo-1 holds shards and workers (round-robin over the three silos). It is killed
    /// with SIGKILL after round 20. The run must finish at its target, having re-loaded the lost shards from their
    /// source and restarted the lost workers from their published vectors; since a failed round is re-run from the
    /// state at its start, the vectors are bitwise those of an undisturbed run.
    /// </summary>
    [Fact]
    public async Task KilledSiloWithShardsAndWorkersDoesNotStopTheRun()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 1000, shards: 4, target: 1e-5);
        request.Truth = "auto";
        var undisturbed = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await OrleansConnection.ConnectAsync(cluster);
        var victim = cluster.Silos[1];
        var killedAt = -1;
        var placementsBefore = (Shards: new List<string>(), Workers: new List<string>());
        void OnSlice(PcaAdvanceReply slice)
        {
            if (killedAt < 0 && slice.Rounds.Count > 0 && slice.Rounds[^1].Round >= 20)
            {
                placementsBefore = ([.. slice.ShardSilos], [.. slice.WorkerSilos]);
                killedAt = slice.Rounds[^1].Round;
                victim.Kill();
            }
        }

        var coordinatorSilo = await OrleansConnection.AddressOfAsync(orleans.Client, cluster.Silos[0].Name);
        var result = await PcaJob.RunAsync(orleans.Client, "fault", request, OnSlice, coordinatorSilo, sliceSeconds: 0.05);

        Assert.True(killedAt > 0, "the run ended before the silo could be killed");
        Assert.Equal(cluster.Silos[0].Name, result.Start.CoordinatorSilo);
        Assert.Equal(0, result.Restarts);
        Assert.Contains(victim.Name, placementsBefore.Shards);
        Assert.Contains(victim.Name, placementsBefore.Workers);
        Assert.True(result.Result.Finished);
        Assert.Contains("target", result.Result.StopReason);
        Assert.True(result.Result.Recoveries >= 1, "no round was recovered");
        Assert.True(result.Result.ReloadedShards >= 1, "no shard was re-loaded");
        var error = result.Result.History[^1].Error;
        Assert.True(error <= 1e-5, $"E = {error:e3} at the end");
        Assert.Equal(undisturbed.Round, result.Result.History.Count);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(undisturbed.Published[k], result.Vectors[k]);
        }
    }

    /// <summary>
    /// The coordinator is placed on silo-1, which is killed with SIGKILL after round 20: the client finds the coordinator
    /// gone (its calls rejected, or a fresh activation without the run) and starts the run again under a new key on a
    /// live silo. The run is deterministic, so the vectors are bitwise those of an undisturbed run.
    /// </summary>
    [Fact]
    public async Task KilledCoordinatorSiloRestartsTheRunWithTheSameBits()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 1000, shards: 4, target: 1e-5);
        request.Truth = "auto";
        var undisturbed = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await OrleansConnection.ConnectAsync(cluster);
        var victim = cluster.Silos[1];
        var killedAt = -1;
        var said = new List<string>();
        var starts = new List<string>();
        void OnSlice(PcaAdvanceReply slice)
        {
            if (killedAt < 0 && slice.Rounds.Count > 0 && slice.Rounds[^1].Round >= 20)
            {
                killedAt = slice.Rounds[^1].Round;
                victim.Kill();
            }
        }

        var coordinatorSilo = await OrleansConnection.AddressOfAsync(orleans.Client, victim.Name);
        var result = await PcaJob.RunAsync(orleans.Client, "fault-coordinator", request, OnSlice, coordinatorSilo, sliceSeconds: 0.05,
            say: said.Add, started: (_, start) => starts.Add(start.CoordinatorSilo));

        Assert.True(killedAt > 0 && killedAt < undisturbed.Round, $"the silo was killed at round {killedAt}; the run takes {undisturbed.Round}");
        Assert.Equal(victim.Name, starts[0]);
        Assert.True(result.Restarts >= 1, "the run was not started again");
        Assert.NotEqual(victim.Name, result.Start.CoordinatorSilo);
        Assert.DoesNotContain(victim.Name, result.Start.ShardSilos);
        Assert.Contains(said, line => line.Contains("was lost", StringComparison.Ordinal));
        Assert.Contains("target", result.Result.StopReason);
        Assert.Equal(undisturbed.Round, result.Result.History.Count);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(undisturbed.Published[k], result.Vectors[k]);
        }
    }

    /// <summary>
    /// As <see cref="KilledCoordinatorSiloRestartsTheRunWithTheSameBits"/>, with SIGTERM instead of SIGKILL: Orleans's graceful
    /// shutdown deactivates the coordinator, its shards and workers; the client restarts the run on the live silos and
    /// the vectors are bitwise those of an undisturbed run. The silo exits 0.
    /// </summary>
    [Fact]
    public async Task SigtermOfTheCoordinatorsSiloRestartsTheRunWithTheSameBits()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 1000, shards: 4, target: 1e-5);
        request.Truth = "auto";
        var undisturbed = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await OrleansConnection.ConnectAsync(cluster);
        var victim = cluster.Silos[1];
        var stoppedAt = -1;
        Task<int>? exit = null;
        void OnSlice(PcaAdvanceReply slice)
        {
            if (stoppedAt < 0 && slice.Rounds.Count > 0 && slice.Rounds[^1].Round >= 20)
            {
                stoppedAt = slice.Rounds[^1].Round;
                exit = victim.TerminateAsync(TimeSpan.FromSeconds(60));
            }
        }

        var coordinatorSilo = await OrleansConnection.AddressOfAsync(orleans.Client, victim.Name);
        var result = await PcaJob.RunAsync(orleans.Client, "sigterm-coordinator", request, OnSlice, coordinatorSilo, sliceSeconds: 0.05);

        Assert.True(stoppedAt > 0 && stoppedAt < undisturbed.Round, $"the silo was stopped at round {stoppedAt}; the run takes {undisturbed.Round}");
        Assert.Equal(0, await exit!);
        Assert.NotEqual(victim.Name, result.Start.CoordinatorSilo);
        Assert.DoesNotContain(victim.Name, result.Start.ShardSilos);
        Assert.Equal(undisturbed.Round, result.Result.History.Count);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(undisturbed.Published[k], result.Vectors[k]);
        }
    }

    /// <summary>
    /// Subspace iteration: silo-1 holds shards (no workers exist) and is killed with SIGKILL after round 20, between two
    /// slices, with 20 or more rounds left. Its shards are re-loaded on a survivor by one of two paths, both seen here:
    /// the round's call fails and the round re-runs from the saved block Q after the re-load (a recovery), or Orleans
    /// holds the call until membership declares the silo dead and forwards it to a fresh activation, which re-loads
    /// before it answers. Either way the vectors are bitwise those of an undisturbed run. p = 0 makes the run last long enough to be killed mid-way (E &lt; 1e-5 at round 232 instead
    /// of 29); the recovery path is the same for any p.
    /// </summary>
    [Fact]
    public async Task KilledSiloDoesNotChangeTheBitsOfSubspaceIteration()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, "subspace", rounds: 1000, shards: 4, target: 1e-5);
        request.Truth = "auto";
        request.Oversample = 0;
        var undisturbed = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await OrleansConnection.ConnectAsync(cluster);
        var victim = cluster.Silos[1];
        var killedAt = -1;
        void OnSlice(PcaAdvanceReply slice)
        {
            // Gated on what the run has reported, not on time: the kill lands between two slices of an unfinished run
            // with rounds left to run on the dead silo's shards (no round runs between slices).
            if (killedAt < 0 && !slice.Finished && slice.Rounds.Count > 0 && slice.Rounds[^1].Round >= 20 && slice.Rounds[^1].Round < undisturbed.Round - 20)
            {
                Assert.Contains(victim.Name, slice.ShardSilos);
                killedAt = slice.Rounds[^1].Round;
                victim.Kill();
            }
        }

        var coordinatorSilo = await OrleansConnection.AddressOfAsync(orleans.Client, cluster.Silos[0].Name);
        var result = await PcaJob.RunAsync(orleans.Client, "fault-subspace", request, OnSlice, coordinatorSilo, sliceSeconds: 0.05);

        Assert.True(killedAt > 0 && killedAt < undisturbed.Round, $"the silo was killed at round {killedAt}; the run takes {undisturbed.Round}");
        Assert.Equal(0, result.Restarts);
        Assert.Contains("target", result.Result.StopReason);
        Assert.True(result.Result.ReloadedShards >= 1, "no shard was re-loaded");
        Assert.Equal(undisturbed.Round, result.Result.History.Count);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(undisturbed.Published[k], result.Vectors[k]);
        }
    }

    /// <summary>Asynchronous rounds: each worker loop that meets the dead silo restarts its worker from its last published vector and goes on.</summary>
    [Fact]
    public async Task AsynchronousRunSurvivesAKilledSilo()
    {
        var source = PcaRuns.Generated("exponential");
        var request = PcaRuns.Request(source, rounds: 5000, shards: 4, target: 1e-5);
        request.Asynchronous = true;
        request.Truth = "auto";

        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await OrleansConnection.ConnectAsync(cluster);
        var victim = cluster.Silos[2];
        var killed = false;
        void OnSlice(PcaAdvanceReply slice)
        {
            if (!killed && slice.Rounds.Count > 0 && slice.Rounds[^1].Round >= 10)
            {
                killed = true;
                victim.Kill();
            }
        }

        var coordinatorSilo = await OrleansConnection.AddressOfAsync(orleans.Client, cluster.Silos[0].Name);
        var result = await PcaJob.RunAsync(orleans.Client, "fault-async", request, OnSlice, coordinatorSilo, sliceSeconds: 0.05);

        Assert.True(killed, "the run ended before the silo could be killed");
        Assert.Equal(0, result.Restarts);
        Assert.Contains("target", result.Result.StopReason);
        Assert.True(result.Result.Recoveries >= 1, "no worker was restarted");
        var error = PcaMetrics.Error(PcaRuns.ExactTruth(source, 10), result.Vectors);
        Assert.True(error < 1e-4, $"E = {error:e3} against the exact decomposition after the loss");
    }
}
