using System.Diagnostics;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Membership.Redis;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Diagnostics;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>Three real silo processes on a real Redis: routing, failure detection, clean leave, restart.</summary>
public sealed class MultiSiloTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    // What the silos are configured with (SiloProcess): a killed silo is declared Dead within
    // 2.5 s of its last heartbeat; allow twice that plus process scheduling on 2 cores.
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task CallsRouteToTheOwnersAndChainsCrossThreeSilos()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var echo = GrainInterface.Describe(typeof(IEchoGrain));
        var seen = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            var key = $"route-{i}";
            var reply = await cluster.Client.GetGrain<IEchoGrain>(key).EchoAsync(new EchoRequest { Text = key }, CancellationToken.None);
            var owner = RendezvousPlacement.SelectOwner(new GrainReference(new GrainId(echo.TypeName, key), echo, ""), cluster.Client.View)!;
            Assert.Equal(owner.Name, reply.Silo);
            seen.Add(reply.Silo);
        }

        Assert.Equal(3, seen.Count);

        var chain = new ChainRequest();
        chain.Keys.AddRange(Enumerable.Range(0, 15).Select(i => $"hop-{i}"));
        var hops = await cluster.Client.GetGrain<IChainGrain>("hop-0").ForwardAsync(chain, CancellationToken.None);
        Assert.Equal(15, hops.Silos.Count);
        Assert.Equal(3, hops.Silos.Distinct().Count());
    }

    [Fact]
    public async Task KilledSiloIsDeclaredDeadAndItsGrainsAnswerFromOthers()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var victim = cluster.Silos[2];
        var key = KeyOwnedBy(cluster, victim.Name);
        var grain = cluster.Client.GetGrain<IEchoGrain>(key);
        Assert.Equal(victim.Name, (await grain.EchoAsync(new EchoRequest(), CancellationToken.None)).Silo);

        victim.Kill();
        var clock = Stopwatch.StartNew();
        EchoReply? reply = null;
        while (reply is null)
        {
            Assert.True(clock.Elapsed < DetectionBound, $"grain {key} did not answer from another silo within {DetectionBound.TotalSeconds}s of kill -9");
            try
            {
                reply = await grain.EchoAsync(new EchoRequest(), CancellationToken.None);
            }
            catch (SiloUnavailableException)
            {
                await Task.Delay(50);
            }
        }

        Assert.NotEqual(victim.Name, reply.Silo);
        var row = cluster.Client.View.Silos.Single(s => s.Name == victim.Name);
        Assert.Equal(SiloStatus.Dead, row.Status);
        Assert.Contains("probe failed", row.StatusReason);
    }

    [Fact]
    public async Task SigtermLeavesCleanlyWithExitCodeZero()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var leaving = cluster.Silos[1];
        var key = KeyOwnedBy(cluster, leaving.Name);
        await cluster.Client.GetGrain<IEchoGrain>(key).EchoAsync(new EchoRequest(), CancellationToken.None);

        // A call in flight when SIGTERM arrives finishes (grace period 5 s).
        var inFlight = cluster.Client.GetGrain<IEchoGrain>(key).EchoAsync(new EchoRequest { Text = "slow", DelayMs = 1000 }, CancellationToken.None);
        await Task.Delay(200);
        Assert.Equal(0, await leaving.TerminateAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("slow", (await inFlight).Text);
        Assert.Contains("shutting down", leaving.Output);

        await cluster.WaitForActiveAsync(2, TimeSpan.FromSeconds(5));
        var row = cluster.Client.View.Silos.Single(s => s.Name == leaving.Name);
        Assert.Equal(SiloStatus.Dead, row.Status);
        Assert.Contains("shut down cleanly", row.StatusReason);
        var moved = await cluster.Client.GetGrain<IEchoGrain>(key).EchoAsync(new EchoRequest(), CancellationToken.None);
        Assert.NotEqual(leaving.Name, moved.Silo);
    }

    [Fact]
    public async Task RestartedSiloRejoinsWithANewGeneration()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        var first = cluster.Silos[0];
        var before = cluster.Client.View.Silos.Single(s => s.Name == first.Name);
        first.Kill();

        var again = cluster.StartSilo(first.Name, first.Port, first.HttpPort);
        await again.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await cluster.WaitForActiveAsync(3, TimeSpan.FromSeconds(10));
        var rows = cluster.Client.View.Silos.Where(s => s.Name == first.Name).ToList();
        var current = rows.Single(s => s.Status == SiloStatus.Active);
        Assert.True(current.Generation > before.Generation, $"generation {current.Generation} is not newer than {before.Generation}");
        Assert.Equal(SiloStatus.Dead, rows.Single(s => s.Generation == before.Generation).Status);

        var key = KeyOwnedBy(cluster, first.Name);
        Assert.Equal(first.Name, (await cluster.Client.GetGrain<IEchoGrain>(key).EchoAsync(new EchoRequest(), CancellationToken.None)).Silo);
    }

    [Fact]
    public async Task SilosKeepServingWhileRedisIsDownAndResumeWhenItReturns()
    {
        await using var redis = await Testing.RedisServer.StartNewAsync();
        await using var cluster = await ProcessCluster.StartAsync(redis);
        var heartbeatBefore = cluster.Client.View.Silos.Max(s => s.HeartbeatUnixMs);

        await redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // longer than the death timeout: nobody may be declared dead
        for (var i = 0; i < 30; i++)
        {
            await cluster.Client.GetGrain<IEchoGrain>($"redis-down-{i}").EchoAsync(new EchoRequest(), CancellationToken.None);
        }

        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, s.Output));
        Assert.All(await Task.WhenAll(cluster.Silos.Select(s => s.HttpStatusAsync("/healthz"))), code => Assert.Equal(200, code));

        await redis.StartAsync();

        // Redis came back empty (no persistence): every silo writes its row again and heartbeats
        // resume. Read the table itself: heartbeat times reach clients only with version changes.
        await using var table = await RedisMembershipTable.ConnectAsync(
            new RedisMembershipOptions { ConnectionString = redis.ConnectionString, ClusterId = cluster.ClusterId }, CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var snapshot = await table.ReadAllAsync(CancellationToken.None);
            var active = snapshot.Silos.Where(s => s.Status == SiloStatus.Active).ToList();
            if (active.Count == 3 && active.All(s => s.HeartbeatUnixMs > heartbeatBefore + 3000))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"silos did not re-register and heartbeat after Redis returned; table:\n{string.Join("\n", snapshot.Silos)}\n{string.Join("\n", cluster.Silos.Select(s => $"--- {s.Name}\n{s.Output}"))}");
            await Task.Delay(100);
        }

        await cluster.WaitForActiveAsync(3, TimeSpan.FromSeconds(5));
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited));
        await cluster.Client.GetGrain<IEchoGrain>("after-redis").EchoAsync(new EchoRequest(), CancellationToken.None);
    }

    private static string KeyOwnedBy(ProcessCluster cluster, string siloName)
    {
        var echo = GrainInterface.Describe(typeof(IEchoGrain));
        return Enumerable.Range(0, 10_000).Select(i => $"k-{i}").First(k =>
            RendezvousPlacement.SelectOwner(new GrainReference(new GrainId(echo.TypeName, k), echo, ""), cluster.Client.View)!.Name == siloName);
    }
}
