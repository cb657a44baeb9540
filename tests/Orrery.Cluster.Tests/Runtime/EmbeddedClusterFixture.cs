using Orrery.Cluster.Hosting;
using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Runtime;

/// <summary>Three in-process silos on loopback with in-memory membership, shared by a test class.</summary>
public sealed class EmbeddedClusterFixture : IAsyncLifetime
{
    public EmbeddedCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Cluster = await EmbeddedCluster.StartAsync(3, [DiagnosticsAssembly.Assembly, typeof(EmbeddedClusterFixture).Assembly]);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
