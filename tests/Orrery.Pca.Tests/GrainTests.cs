using Orrery.Cluster.Hosting;
using Orrery.Pca.Experiments;
using Orrery.Pca.Solvers;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>The coordinator, shard and worker grains on embedded clusters (real loopback transport).</summary>
public sealed class GrainTests
{
    [Fact]
    public async Task GrainsOnThreeSilosComputeBitwiseWhatTheLocalRunComputes()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 40, steps: 2, shards: 4);
        var local = await PcaRuns.RunLocalAsync(request);

        await using var cluster = await EmbeddedCluster.StartAsync(3, [PcaAssembly.Assembly]);
        request.Silos.AddRange(cluster.Silos.Select(s => s.Name));
        var remote = await PcaJob.RunAsync(cluster.Client, "bitwise", request);

        Assert.Equal(3, remote.Start.ShardSilos.Distinct().Count());
        Assert.Equal(3, remote.Start.WorkerSilos.Distinct().Count());
        Assert.Equal(40, remote.Result.History.Count);
        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(local.Published[k], remote.Vectors[k]);
        }

        // Bytes: per round 2 steps, each sending the block to 4 shards and back, and the workers' traffic.
        Assert.True(remote.Result.History[^1].Bytes > 40 * 2 * 2 * 4 * 300 * 4, $"{remote.Result.History[^1].Bytes} bytes");
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
        await using var cluster = await EmbeddedCluster.StartAsync(2, [PcaAssembly.Assembly]);
        request.Silos.AddRange(cluster.Silos.Select(s => s.Name));
        var result = await PcaJob.RunAsync(cluster.Client, "async", request);

        var error = PcaMetrics.Error(PcaRuns.ExactTruth(source, 10), result.Vectors);
        Assert.True(error < 1e-4, $"asynchronous parallel deflation: E = {error:e3} ({result.Result.StopReason})");
        Assert.Contains("target", result.Result.StopReason);
    }

    [Fact]
    public async Task EverySolverRunsOnGrains()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(1, [PcaAssembly.Assembly]);
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
        await using var cluster = await EmbeddedCluster.StartAsync(1, [PcaAssembly.Assembly]);
        var request = PcaRuns.Request(PcaRuns.Generated("power"), shards: 3);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => PcaJob.RunAsync(cluster.Client, "bad", request));
        Assert.Contains("shards is 3", error.Message);
    }
}
