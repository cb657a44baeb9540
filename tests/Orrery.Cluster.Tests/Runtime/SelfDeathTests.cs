using Orrery.Cluster.Hosting;
using Orrery.Cluster.Membership;
using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Runtime;

public sealed class SelfDeathTests
{
    [Fact]
    public async Task SiloThatReadsItselfDeadStops()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(2, [DiagnosticsAssembly.Assembly]);
        var victim = cluster.Silos[1];

        // Another member declares it Dead (as after a partition it could not see).
        var snapshot = await cluster.Table.ReadAllAsync(CancellationToken.None);
        var row = snapshot.Silos.Single(s => s.SameSilo(victim.Entry)).Clone();
        row.Status = SiloStatus.Dead;
        row.StatusReason = "declared dead by test";
        Assert.NotNull(await cluster.Table.TryWriteAsync(row, snapshot.Version, CancellationToken.None));

        var reason = await victim.Stopped.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("declared dead by test", reason);
        Assert.False(victim.IsActive);
        Assert.True(cluster.Silos[0].IsActive);
    }

    [Fact]
    public async Task SiloThatCrashesIsDeclaredDeadByItsPeers()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(3, [DiagnosticsAssembly.Assembly]);
        var victim = cluster.Silos[2];
        await victim.CrashAsync();

        // Embedded timings: heartbeat 0.25 s, death timeout 2 s, probe 1 s, refresh 0.5 s -> under 4 s.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(8);
        while (cluster.Silos[0].View.Find(victim.Entry)?.Status != SiloStatus.Dead)
        {
            Assert.True(DateTime.UtcNow < deadline, "crashed silo was not declared dead");
            await Task.Delay(50);
        }

        Assert.Contains("probe failed", cluster.Silos[0].View.Find(victim.Entry)!.StatusReason);
    }
}
