using Orrery.Cluster.Configuration;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Hosting;
using Orrery.Contracts.Diagnostics;
using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Runtime;

public sealed class LifecycleTests
{
    [Fact]
    public async Task IdleGrainIsDeactivatedAndReactivatedOnTheNextCall()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(
            2, [DiagnosticsAssembly.Assembly, typeof(LifecycleTests).Assembly],
            configure: (_, silo, _) =>
            {
                silo.IdleDeactivationAfter = TimeSpan.FromMilliseconds(300);
                silo.IdleCheckPeriod = TimeSpan.FromMilliseconds(100);
            });
        var key = $"idle-{Guid.NewGuid():N}";
        var grain = cluster.Client.GetGrain<ILifecycleGrain>(key);
        await grain.TouchAsync(new EchoRequest(), CancellationToken.None);
        Assert.Equal(["activate"], LifecycleGrain.Events[key]);

        await WaitUntilAsync(() => LifecycleGrain.Events[key].Count == 2, TimeSpan.FromSeconds(5));
        Assert.Equal(["activate", "deactivate:Idle"], LifecycleGrain.Events[key]);
        Assert.DoesNotContain(cluster.Silos, s => s.HostsActivation("test.lifecycle", key));

        await grain.TouchAsync(new EchoRequest(), CancellationToken.None);
        Assert.Equal(["activate", "deactivate:Idle", "activate"], LifecycleGrain.Events[key]);
    }

    [Fact]
    public async Task BusyGrainIsNotDeactivatedWhileCallsKeepComing()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(
            1, [DiagnosticsAssembly.Assembly, typeof(LifecycleTests).Assembly],
            configure: (_, silo, _) =>
            {
                // Calls come every 50 ms for 3 s, so the idle limit is passed many times over
                // in total but never between two calls, even on a loaded two-core machine.
                silo.IdleDeactivationAfter = TimeSpan.FromSeconds(1.5);
                silo.IdleCheckPeriod = TimeSpan.FromMilliseconds(50);
            });
        var key = $"busy-{Guid.NewGuid():N}";
        var grain = cluster.Client.GetGrain<ILifecycleGrain>(key);
        for (var i = 0; i < 60; i++)
        {
            await grain.TouchAsync(new EchoRequest(), CancellationToken.None);
            await Task.Delay(50);
        }

        Assert.Equal(["activate"], LifecycleGrain.Events[key]);
    }

    [Fact]
    public async Task GrainCanAskToBeDeactivated()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(1, [typeof(LifecycleTests).Assembly]);
        var key = $"retire-{Guid.NewGuid():N}";
        await cluster.Client.GetGrain<ILifecycleGrain>(key).RetireAsync(new EchoRequest(), CancellationToken.None);
        await WaitUntilAsync(() => LifecycleGrain.Events[key].Count == 2, TimeSpan.FromSeconds(5));
        Assert.Equal(["activate", "deactivate:Requested"], LifecycleGrain.Events[key]);
    }

    [Fact]
    public async Task SiloShutdownDeactivatesItsGrains()
    {
        var cluster = await EmbeddedCluster.StartAsync(1, [typeof(LifecycleTests).Assembly]);
        var key = $"shutdown-{Guid.NewGuid():N}";
        await cluster.Client.GetGrain<ILifecycleGrain>(key).TouchAsync(new EchoRequest(), CancellationToken.None);
        await cluster.DisposeAsync();
        Assert.Equal(["activate", "deactivate:SiloShutdown"], LifecycleGrain.Events[key]);
    }

    [Fact]
    public async Task FailedActivationIsReportedAndNotKept()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(1, [typeof(LifecycleTests).Assembly]);
        var grain = cluster.Client.GetGrain<IBrokenGrain>("b");
        var error = await Assert.ThrowsAsync<GrainInvocationException>(() => grain.EchoAsync(new EchoRequest(), CancellationToken.None));
        Assert.Contains("OnActivateAsync", error.Message);
        Assert.Contains("no model file for this key", error.Message);
        Assert.False(cluster.Silos[0].HostsActivation("test.broken", "b"));
    }

    [Fact]
    public async Task CallPastItsDeadlineFailsWithATimeoutNamingTheGrain()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(
            2, [DiagnosticsAssembly.Assembly], configure: (c, _, _) => c.DefaultCallTimeout = TimeSpan.FromMilliseconds(300));
        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() =>
            cluster.Client.GetGrain<IEchoGrain>("sleepy").EchoAsync(new EchoRequest { DelayMs = 3000 }, CancellationToken.None));
        Assert.Contains("diag.echo/sleepy", error.Message);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {timeout.TotalSeconds}s");
            await Task.Delay(20);
        }
    }
}
