using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Diagnostics;
using Orrery.Diagnostics;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// Three real silo processes on a real Redis, with an Orleans client in the test process: calls, chains and tensors
/// across processes, a clean leave on SIGTERM, a restart under a new generation, and Redis stopped and restarted with
/// its data (append-only file, as the chart runs it). A kill -9 and Redis restarted empty are in <see cref="OrleansSiloProcessTests"/>.
/// </summary>
public sealed class MultiSiloTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CallsSpreadOverThreeProcesses_ChainsCrossThem_AndATensorGoesToAnotherProcessAndBack()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var result = await DiagnosticJob.RunAsync(cluster.Client, 3000, 8 << 20, CancellationToken.None);
        Assert.Equal(["silo-0", "silo-1", "silo-2"], result.CallsPerSilo.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(12, result.ChainSilos.Count);
        Assert.True(result.ChainSilos.Distinct().Count() >= 2, string.Join(" -> ", result.ChainSilos));
        Assert.True(result.Tensor.Intact);
        Assert.NotEqual(result.Tensor.Silo, result.Tensor.PeerSilo);
    }

    [Fact]
    public async Task SigtermLetsACallInFlightFinish_ExitsZero_AndTheSilosGrainsAnswerElsewhere()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var leaving = cluster.Silos[1];
        var address = await AddressOfAsync(cluster, leaving.Name);
        var grain = cluster.Client.GetGrain<IEchoGrain>($"leaving-{Guid.NewGuid():N}");
        using (PlacementHint.On(address))
        {
            Assert.Equal(leaving.Name, (await grain.EchoAsync(new EchoRequest())).Silo);
        }

        // A call in flight when SIGTERM arrives finishes: Orleans's graceful shutdown waits for the activation.
        var inFlight = grain.EchoAsync(new EchoRequest { Text = "slow", DelayMs = 3000 });
        await Eventually.TrueAsync(async () => (await grain.PeekAsync(new EchoRequest())).Delaying == 1, Deadline, "the slow call never reached the grain");
        Assert.Equal(0, await leaving.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("slow", (await inFlight).Text);

        await cluster.WaitForActiveAsync(2, Deadline);
        var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        Assert.Equal(SiloStatus.Dead, hosts.Single(h => h.SiloName == leaving.Name).Status);
        Assert.NotEqual(leaving.Name, (await grain.EchoAsync(new EchoRequest())).Silo);
    }

    [Fact]
    public async Task AKilledSiloStartedAgainOnItsPortJoinsUnderANewGeneration_AndTheOldOneIsDead()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var first = cluster.Silos[2];
        var before = await AddressOfAsync(cluster, first.Name);
        first.Kill();

        var again = cluster.StartSilo(first.Name, first.Port, first.HttpPort);
        await again.WaitReadyAsync(Deadline);
        await cluster.WaitForActiveAsync(3, Deadline);
        var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var rows = hosts.Where(h => h.SiloName == first.Name).ToList();
        var current = rows.Single(h => h.Status == SiloStatus.Active);
        Assert.Equal(before.Endpoint, current.SiloAddress.Endpoint);
        Assert.True(current.SiloAddress.Generation > before.Generation, $"generation {current.SiloAddress.Generation} is not newer than {before.Generation}");
        Assert.Equal(SiloStatus.Dead, rows.Single(h => h.SiloAddress.Generation == before.Generation).Status);

        SiloWhere where;
        using (PlacementHint.On(current.SiloAddress))
        {
            where = await cluster.Client.GetGrain<IPingGrain>(Random.Shared.NextInt64()).WhereAsync();
        }

        Assert.Equal(first.Name, where.Name);
    }

    [Fact]
    public async Task RedisStoppedAndRestartedWithItsData_TheSilosServeThroughout_AndANewSiloJoinsAfterwards()
    {
        await using var redis = await RedisServer.StartNewAsync(appendOnly: true);
        await using var cluster = await ProcessCluster.StartAsync(redis);

        await redis.StopAsync();
        // Longer than the probe timeouts: nobody is declared dead for a table that does not answer.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 30; i++)
        {
            seen.Add((await cluster.Client.GetGrain<IEchoGrain>($"redis-down-{i}").EchoAsync(new EchoRequest()).WaitAsync(Deadline)).Silo);
        }

        Assert.Equal(3, seen.Count);
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, s.Output));

        await redis.StartAsync();
        var late = cluster.StartSilo("silo-late", FreePort.Next(), FreePort.Next());
        await late.WaitReadyAsync(Deadline);
        await cluster.WaitForActiveAsync(4, Deadline);
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, s.Output));
        await cluster.Client.GetGrain<IEchoGrain>("after-redis").EchoAsync(new EchoRequest()).WaitAsync(Deadline);
    }

    /// <summary>
    /// A gateway killed under load: the client moves to its other gateways and calls to grains on the live silos go on.
    /// Orleans 10.4.2's client neither fails nor resends the calls it had sent through the dying gateway (those in
    /// flight at the kill, and those sent before it noticed the connection closed): they are lost and end at the
    /// caller's deadline (25 s here). So each of the 16 workers loses at most one call; the goal (every call
    /// succeeds, the client retrying on another gateway) is not met yet.
    /// </summary>
    [Fact]
    public async Task AGatewayKilledUnderLoad_EveryCallToGrainsOnLiveSilosSucceeds_ThoseInFlightThroughItAreResent()
    {
        // Every call must succeed in every attempt. That some call was in flight through the killed gateway (so the resend
        // is exercised) depends on the moment of the kill; a second attempt on a fresh cluster is made when none was
        // (seen once in a full run, 2026-12-07), and the test fails only when neither attempt resent anything.
        var resent = 0L;
        for (var attempt = 1; attempt <= 2 && resent == 0; attempt++)
        {
            resent = await KillAGatewayUnderLoadAsync();
        }

        Assert.True(resent > 0, "no call was resent in two attempts: the gateway's loss was not noticed, or no call was in flight through any gateway");
    }

    /// <summary>One attempt of the test above: asserts that every call succeeded and returns how many calls were resent.</summary>
    private async Task<long> KillAGatewayUnderLoadAsync()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var silos = await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        var doomed = cluster.Silos[0];
        var survivors = silos.Where(s => s.Name != doomed.Name).ToArray();

        // 64 echo grains on the two silos that stay; the client's gateways are all three silos.
        var grains = new IEchoGrain[64];
        for (var i = 0; i < grains.Length; i++)
        {
            grains[i] = cluster.Client.GetGrain<IEchoGrain>($"failover-{Guid.NewGuid():N}");
            using (PlacementHint.On(survivors[i % 2].Address))
            {
                Assert.NotEqual(doomed.Name, (await grains[i].EchoAsync(new EchoRequest())).Silo);
            }
        }

        const int Workers = 16;
        using var stop = new CancellationTokenSource();
        var killedAt = long.MaxValue;
        var afterKill = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<(long Started, string Error)>();
        var load = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var i = w;
            while (!stop.IsCancellationRequested)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    await grains[i++ % grains.Length].PeekAsync(new EchoRequest { Text = "x" }).WaitAsync(TimeSpan.FromSeconds(25));
                    if (started > Interlocked.Read(ref killedAt))
                    {
                        Interlocked.Increment(ref afterKill);
                    }
                }
                catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException)
                {
                    failures.Enqueue((started, $"{e.GetType().Name} after {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s: {e.Message}"));
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        Interlocked.Exchange(ref killedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        doomed.Kill();
        await Task.Delay(TimeSpan.FromSeconds(12));
        stop.Cancel();
        await Task.WhenAll(load);
        Assert.True(afterKill > 1000, $"only {afterKill} calls completed after the gateway died");
        // Without the resend, the calls in flight through the dying gateway were lost to the caller's deadline (one per
        // worker that had a call there): Orleans 10.4.2's client neither fails nor resends them.
        Assert.True(failures.IsEmpty, $"{failures.Count} calls to grains on live silos failed; first: {failures.FirstOrDefault().Error}");
        return cluster.Client.ServiceProvider.GetRequiredService<GatewayLossResend>().Resent;
    }

    private static async Task<SiloAddress> AddressOfAsync(ProcessCluster cluster, string name) =>
        (await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync()).Single(s => s.Name == name).Address;
}
