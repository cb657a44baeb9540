using System.Diagnostics.Metrics;
using Orleans;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Pca;
using Orrery.Pca.Experiments;
using Orrery.Pca.Grains;
using Orrery.Pca.Solvers;
using Orrery.Pca.Tests.Support;
using Orrery.Testing;

namespace Orrery.Pca.Tests;

/// <summary>
/// The coordinator, shard and worker grains on embedded Orleans clusters (real loopback transport, the tensor channel
/// included): the same bits as the in-process run on any number of silos, with vector blocks inline or by reference,
/// and after a silo holding shards and workers, or the coordinator's own silo, stops mid-run.
/// </summary>
public sealed class GrainTests
{
    [Fact]
    public async Task GrainsOnThreeSilosComputeBitwiseWhatTheLocalRunComputes()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 40, steps: 2, shards: 4);
        var local = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await PcaRuns.StartClusterAsync(3);
        var remote = await PcaJob.RunAsync(cluster.Client, "bitwise", request);

        Assert.Equal(3, remote.Start.ShardSilos.Distinct().Count());
        Assert.Equal(3, remote.Start.WorkerSilos.Distinct().Count());
        Assert.Equal(40, remote.Result.History.Count);
        Assert.Equal(0, remote.Restarts);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(local.Published[k], remote.Vectors[k]);
        }

        // Bytes: per round 2 steps, each sending the block to 4 shards and back, and the workers' traffic.
        Assert.True(remote.Result.History[^1].Bytes > 40 * 2 * 2 * 4 * 300 * 4, $"{remote.Result.History[^1].Bytes} bytes");
    }

    [Fact]
    public void BlocksUpToOneMebibyteTravelInline()
    {
        Assert.Equal(1 << 20, VectorBlock.DefaultInlineLimitBytes);
        Assert.True(VectorBlocks.Inline(262_144, 0));
        Assert.False(VectorBlocks.Inline(262_145, 0));
        Assert.True(VectorBlocks.Inline(16, 64));
        Assert.False(VectorBlocks.Inline(17, 64));
    }

    /// <summary>
    /// The same run with every block inline (the default limit: blocks here are at most 10 x 300 floats) and with every
    /// block of more than 16 floats by reference over the tensor channel (a 64-byte limit): both give the local run's
    /// bits; only the second fetches tensors, from other silos among them.
    /// </summary>
    [Fact]
    public async Task VectorBlocksByReferenceGiveTheBitsOfInlineBlocks()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, "eigengame", rounds: 15, steps: 2, shards: 4);
        var local = await PcaRuns.RunLocalAsync(request);
        await using var cluster = await PcaRuns.StartClusterAsync(3);
        using var fetches = new TensorFetchCounter();

        var inline = await PcaJob.RunAsync(cluster.Client, "inline", request);
        var (inlineLocal, inlineRemote) = fetches.Take();
        var byReference = request.Clone();
        byReference.InlineLimitBytes = 64;
        var referenced = await PcaJob.RunAsync(cluster.Client, "by-reference", byReference);
        var (referencedLocal, referencedRemote) = fetches.Take();

        Assert.Equal(0, inlineLocal + inlineRemote);
        Assert.True(referencedRemote > 0 && referencedLocal > 0, $"fetches by reference: {referencedLocal} local, {referencedRemote} remote");
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(local.Published[k], inline.Vectors[k]);
            Assert.Equal(local.Published[k], referenced.Vectors[k]);
        }

        Assert.Equal(inline.Result.History[^1].Bytes, referenced.Result.History[^1].Bytes);
    }

    [Fact]
    public async Task AsynchronousParallelDeflationConverges()
    {
        // Asynchronous rounds are not reproducible (workers run at their own pace); the check is
        // convergence: E below 1e-4 against the exact decomposition within the round budget.
        var source = PcaRuns.Generated("exponential");
        var request = PcaRuns.Request(source, rounds: 3000, shards: 2, target: 1e-5);
        request.Asynchronous = true;
        request.Truth = "exact";
        await using var cluster = await PcaRuns.StartClusterAsync(2);
        var result = await PcaJob.RunAsync(cluster.Client, "async", request);

        var error = PcaMetrics.Error(PcaRuns.ExactTruth(source, 10), result.Vectors);
        Assert.True(error < 1e-4, $"asynchronous parallel deflation: E = {error:e3} ({result.Result.StopReason})");
        Assert.Contains("target", result.Result.StopReason);
    }

    [Fact]
    public async Task EverySolverRunsOnGrains()
    {
        await using var cluster = await PcaRuns.StartClusterAsync(1);
        foreach (var solver in new[] { "parallel", "sequential", "eigengame", "subspace" })
        {
            var request = PcaRuns.Request(PcaRuns.Generated("exponential", dimension: 60, rows: 200), solver, components: 4, rounds: 400);
            request.Truth = "auto";
            var result = await PcaJob.RunAsync(cluster.Client, $"solver-{solver}", request);
            // Sequential deflation with 100 steps per vector stops near 4e-4 here; the others below 1e-6.
            Assert.True(result.Result.History[^1].Error < 1e-3, $"{solver}: E = {result.Result.History[^1].Error:e3}");
            Assert.Equal(4, result.Result.Eigenvalues.Count);
        }
    }

    [Fact]
    public async Task BadRequestsAreRefusedWithTheField()
    {
        await using var cluster = await PcaRuns.StartClusterAsync(1);
        var request = PcaRuns.Request(PcaRuns.Generated("power"), shards: 3);
        var error = await Assert.ThrowsAsync<PcaRequestException>(() => PcaJob.RunAsync(cluster.Client, "bad", request));
        Assert.Contains("shards is 3", error.Message);

        // A second start of the same coordinator, and a result asked of a coordinator that holds no run.
        var coordinator = cluster.Client.GetGrain<IPcaCoordinatorGrain>($"twice-{Guid.NewGuid():N}");
        await coordinator.StartAsync(PcaRuns.Request(PcaRuns.Generated("power", dimension: 20, rows: 41), components: 2), CancellationToken.None);
        var twice = await Assert.ThrowsAsync<PcaRequestException>(() => coordinator.StartAsync(PcaRuns.Request(PcaRuns.Generated("power")), CancellationToken.None));
        Assert.Contains("already started", twice.Message);
        await Assert.ThrowsAsync<PcaRunLostException>(() => cluster.Client.GetGrain<IPcaCoordinatorGrain>($"empty-{Guid.NewGuid():N}").AdvanceAsync(0.1, CancellationToken.None));
    }

    /// <summary>
    /// Silo 2 holds shards and workers (round-robin over 3 silos) and stops (Orleans's graceful shutdown) after round 15;
    /// the coordinator is on silo 0. The run re-loads the lost shards from their source, restarts the lost workers from
    /// their published vectors and re-runs the failed round, so its vectors are bitwise those of an undisturbed run.
    /// </summary>
    [Fact]
    public async Task StoppedSiloWithShardsAndWorkersDoesNotChangeTheBits()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 1000, shards: 4, target: 1e-5);
        request.Truth = "auto";
        var undisturbed = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await PcaRuns.StartClusterAsync(3);
        var silos = await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        var victim = cluster.SiloNames[2];
        Task? stopping = null;
        var before = (Shards: new List<string>(), Workers: new List<string>());
        void OnSlice(PcaAdvanceReply slice)
        {
            if (stopping is null && slice.Rounds.Count > 0 && slice.Rounds[^1].Round >= 15)
            {
                before = ([.. slice.ShardSilos], [.. slice.WorkerSilos]);
                stopping = cluster.StopSiloAsync(2);
            }
        }

        var result = await PcaJob.RunAsync(cluster.Client, "stop", request, OnSlice, silos.Single(s => s.Name == cluster.SiloNames[0]).Address, sliceSeconds: 0.05);
        await stopping!;

        Assert.Equal(cluster.SiloNames[0], result.Start.CoordinatorSilo);
        Assert.Equal(0, result.Restarts);
        Assert.Contains(victim, before.Shards);
        Assert.Contains(victim, before.Workers);
        Assert.True(result.Result.Recoveries >= 1, "no round was recovered");
        Assert.True(result.Result.ReloadedShards >= 1, "no shard was re-loaded");
        Assert.Contains("target", result.Result.StopReason);
        Assert.Equal(undisturbed.Round, result.Result.History.Count);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(undisturbed.Published[k], result.Vectors[k]);
        }
    }

    /// <summary>
    /// The coordinator is placed on silo 1, which stops after round 10: the client finds its coordinator gone and starts
    /// the run again under a new key (<c>/a2</c>) on a live silo. A synchronous run is deterministic, so the restarted
    /// run's vectors are bitwise those of an undisturbed run.
    /// </summary>
    [Fact]
    public async Task StoppedCoordinatorSiloRestartsTheRunWithTheSameBits()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 1000, shards: 4, target: 1e-5);
        request.Truth = "auto";
        var undisturbed = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await PcaRuns.StartClusterAsync(3);
        var silos = await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        Task? stopping = null;
        var said = new List<string>();
        var starts = new List<string>();
        void OnSlice(PcaAdvanceReply slice)
        {
            if (stopping is null && slice.Rounds.Count > 0 && slice.Rounds[^1].Round >= 10)
            {
                stopping = cluster.StopSiloAsync(1);
            }
        }

        var result = await PcaJob.RunAsync(cluster.Client, "stop-coordinator", request, OnSlice, silos.Single(s => s.Name == cluster.SiloNames[1]).Address,
            sliceSeconds: 0.05, say: said.Add, started: (_, start) => starts.Add(start.CoordinatorSilo));
        await stopping!;

        Assert.Equal(cluster.SiloNames[1], starts[0]);
        Assert.Equal(1, result.Restarts);
        Assert.EndsWith("/a2", result.Key);
        Assert.NotEqual(cluster.SiloNames[1], result.Start.CoordinatorSilo);
        Assert.Contains(said, line => line.Contains("was lost", StringComparison.Ordinal));
        Assert.Equal(undisturbed.Round, result.Result.History.Count);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(undisturbed.Published[k], result.Vectors[k]);
        }
    }

    /// <summary>
    /// A run gives its grains back when it ends: once <see cref="PcaJob.RunAsync"/> has returned, the coordinator, the
    /// shards (their rows) and the workers are deactivated within the deadline, where idle collection would take two
    /// minutes for shards and workers and longer for the coordinator.
    /// </summary>
    [Fact]
    public async Task AFinishedRunReleasesItsGrains()
    {
        var request = PcaRuns.Request(PcaRuns.Generated("power"), rounds: 5, shards: 4);
        await using var cluster = await PcaRuns.StartClusterAsync(2);
        var result = await PcaJob.RunAsync(cluster.Client, "released", request);

        Assert.Equal(5, result.Result.History.Count);
        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 0, 0), TimeSpan.FromSeconds(30), "the finished run's grains to be deactivated");
    }

    /// <summary>
    /// Ctrl-C while the coordinator computes the exact truth (a covariance pass of seconds over 40,000 x 600 rows): the
    /// job ends with the cancellation, and the run's coordinator, shards and workers are deactivated within the deadline
    /// (the truth's background pass is stopped by the release: <see cref="TruthPassStopsWhenCancelled"/>).
    /// </summary>
    [Fact]
    public async Task ARunCancelledWhileItComputesTheTruthReleasesItsGrains()
    {
        var request = PcaRuns.Request(PcaRuns.Generated("power", dimension: 600, rows: 40_000), components: 4, rounds: 5, shards: 2);
        request.Truth = "exact";
        await using var cluster = await PcaRuns.StartClusterAsync(2);
        using var cancel = new CancellationTokenSource();
        var phases = new List<string>();
        void OnSlice(PcaAdvanceReply slice)
        {
            phases.Add(slice.Phase);
            if (slice.Phase == "computing the exact truth")
            {
                cancel.Cancel();
            }
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PcaJob.RunAsync(cluster.Client, "cancelled", request, OnSlice, sliceSeconds: 0.2, cancellationToken: cancel.Token));
        Assert.Contains("computing the exact truth", phases);
        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 0, 0), TimeSpan.FromSeconds(30), "the cancelled run's grains to be deactivated");
    }

    /// <summary>
    /// The exact truth's pass over the data stops at its next row block once cancelled: over 2,000,000 x 1,000 generated
    /// rows (minutes of work) it ends within seconds of the cancellation.
    /// </summary>
    [Fact]
    public async Task TruthPassStopsWhenCancelled()
    {
        var source = PcaOptions.Normalise(PcaRuns.Request(PcaRuns.Generated("power", dimension: 1000, rows: 2_000_000), components: 3)).Source;
        using var cancel = new CancellationTokenSource();
        var pass = Task.Run(() => PcaTruth.FromData(source, "matrix-free", 2_000_000, 1000, 3, cancel.Token));
        await Task.Delay(300);
        Assert.False(pass.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pass.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    /// <summary>
    /// A coordinator or worker activated by a call that gives it no work (here a result or a step asked of grains that
    /// hold no run; in a released run, the cancellation of a call that Orleans delivers late activates the grain again)
    /// ends by itself within <see cref="StrayActivation.Patience"/> instead of holding an activation until idle collection.
    /// </summary>
    [Fact]
    public async Task ActivationsGivenNoWorkEndByThemselves()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync(new int[2]);
        await Assert.ThrowsAsync<PcaRunLostException>(() => cluster.Client.GetGrain<IPcaCoordinatorGrain>("pca-stray").GetResultAsync());
        await Assert.ThrowsAsync<PcaWorkerLostException>(() => cluster.Client.GetGrain<IDeflationWorkerGrain>("pca-stray/w0").StepAsync(new WorkerStepRequest(), CancellationToken.None));
        // (The coordinator deactivates itself when asked for a run it does not hold; the worker waits for the patience.)
        Assert.Equal(1, (await ActivationsAsync(cluster)).Workers);
        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 0, 0), StrayActivation.Patience + TimeSpan.FromSeconds(20), "the stray coordinator and worker to be deactivated");
    }

    /// <summary>Activations of the PCA coordinator, shard and worker grains over the cluster's silos.</summary>
    private static async Task<(int Coordinators, int Shards, int Workers)> ActivationsAsync(OrleansEmbeddedCluster cluster)
    {
        var statistics = await cluster.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetSimpleGrainStatistics();
        int Count(string type) => statistics.Where(s => s.GrainType.Contains(type, StringComparison.Ordinal)).Sum(s => s.ActivationCount);
        return (Count(nameof(PcaCoordinatorGrain)), Count(nameof(DataShardGrain)), Count(nameof(DeflationWorkerGrain)));
    }

    /// <summary>Counts the tensor channels' fetches in this process (every embedded silo's), by where the tensor was.</summary>
    private sealed class TensorFetchCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _local;
        private long _remote;

        public TensorFetchCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == TensorMetricNames.Transfers)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? direction = null, location = null;
                foreach (var tag in tags)
                {
                    direction = tag.Key == "direction" ? tag.Value as string : direction;
                    location = tag.Key == "location" ? tag.Value as string : location;
                }

                if (direction == "fetch" && location == "remote")
                {
                    Interlocked.Add(ref _remote, value);
                }
                else if (direction == "fetch")
                {
                    Interlocked.Add(ref _local, value);
                }
            });
            _listener.Start();
        }

        /// <summary>Fetches since the last call: (local, remote).</summary>
        public (long Local, long Remote) Take() => (Interlocked.Exchange(ref _local, 0), Interlocked.Exchange(ref _remote, 0));

        public void Dispose() => _listener.Dispose();
    }
}
