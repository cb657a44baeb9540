using System.Diagnostics;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>Membership changes are pushed: they reach every silo and the client without waiting for a periodic re-read.</summary>
public sealed class PropagationTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task JoinReachesEverySiloAndTheClientWellBeforeThePollingPeriod()
    {
        // Re-reads every 60 s only: anything faster than that came by Redis pub/sub and the gateway's push.
        string[] slowPolling = ["--Membership:RefreshPeriod", "00:01:00"];
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, 3, slowPolling);
        var clock = Stopwatch.StartNew();
        var joiner = cluster.StartSilo("silo-late", FreePort.Next(), FreePort.Next(), slowPolling);
        await joiner.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var joinedAt = clock.Elapsed;

        await cluster.WaitForActiveAsync(4, TimeSpan.FromSeconds(2));
        foreach (var silo in cluster.Silos)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
            while (!(await silo.HttpGetAsync("/metrics")).Contains("orrery_membership_silos{status=\"Active\"} 4", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"silo {silo.Name} did not see 4 Active silos within 2 s of the join (joined after {joinedAt.TotalSeconds:F1} s)");
                await Task.Delay(50);
            }
        }
    }
}
