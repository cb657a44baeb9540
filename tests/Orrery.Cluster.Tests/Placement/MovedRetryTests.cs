using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Grains;
using Orrery.Cluster.Hosting;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Diagnostics;
using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Placement;

public sealed class MovedRetryTests
{
    [Fact]
    public async Task RequestRoutedUnderAnOldViewIsAnsweredMovedAndRetried()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(2, [DiagnosticsAssembly.Assembly]);
        var oldView = cluster.Silos[0].View;
        var newcomer = await cluster.AddSiloAsync(
            new() { Name = "silo-new", BindAddress = "127.0.0.1", Port = 0, HttpPort = 0 },
            new() { HeartbeatPeriod = TimeSpan.FromMilliseconds(250), DeathTimeout = TimeSpan.FromSeconds(2), RefreshPeriod = TimeSpan.FromMilliseconds(500) },
            [DiagnosticsAssembly.Assembly], NullLoggerFactory.Instance, CancellationToken.None);
        await cluster.WaitForViewAsync(3, TimeSpan.FromSeconds(10), CancellationToken.None);
        var newView = cluster.Silos[0].View;

        // A key the newcomer owns now but an old silo owned before.
        var echo = GrainInterface.Describe(typeof(IEchoGrain));
        var key = Enumerable.Range(0, 1000).Select(i => $"moved-{i}").First(k =>
            RendezvousPlacement.SelectOwner(new GrainReference(new GrainId(echo.TypeName, k), echo, ""), newView)!.Name == "silo-new");

        var views = new StaleThenFreshViews(oldView, newView);
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ClusterMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var identity = new TransportIdentity(cluster.Cluster.ClusterId, Encoding.UTF8.GetBytes(cluster.Cluster.Secret), "client", "stale-client", 0, 1 << 24, 1L << 30);
        await using var connections = new ConnectionManager(identity, new NoFrames(), metrics.Transport, NullLogger.Instance, 1, TimeSpan.FromSeconds(5));
        var caller = new GrainCaller(views, connections, null, cluster.Cluster, metrics);

        var reply = await caller.GetGrain<IEchoGrain>(key).EchoAsync(new EchoRequest { Text = "x" }, CancellationToken.None);

        Assert.Equal("silo-new", reply.Silo);
        Assert.Equal(1, views.Refreshes);
        Assert.True(newcomer.HostsActivation("diag.echo", key));
    }

    private sealed class StaleThenFreshViews(MembershipView stale, MembershipView fresh) : IMembershipViewSource
    {
        public int Refreshes { get; private set; }

        public MembershipView Current { get; private set; } = stale;

        public Task RefreshAsync(long version, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Assert.True(version >= fresh.Version, $"moved answer carried version {version}, older than the silo's view {fresh.Version}");
            Refreshes++;
            Current = fresh;
            return Task.CompletedTask;
        }
    }

    private sealed class NoFrames : IFrameHandler
    {
        public void OnFrame(Connection connection, InboundFrame frame)
        {
        }

        public void OnClosed(Connection connection, Exception? error)
        {
        }
    }
}
