using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Client;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Membership;

namespace Orrery.Cluster.Hosting;

/// <summary>
/// Several silos in this process, talking over the loopback transport exactly as separate
/// processes would, sharing an in-memory membership table, plus a client connected to them.
/// This is what <c>orrery demo</c> and <c>orrery run</c> without a cluster start.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<Silo> _silos = [];
    private Action<IServiceCollection>? _configureServices;

    private EmbeddedCluster(InMemoryMembershipTable table, ClusterOptions cluster)
    {
        Table = table;
        Cluster = cluster;
    }

    public InMemoryMembershipTable Table { get; }

    public ClusterOptions Cluster { get; }

    public IReadOnlyList<Silo> Silos => _silos;

    public ClusterClient Client { get; private set; } = null!;

    /// <summary>
    /// Starts <paramref name="siloCount"/> silos on 127.0.0.1 (free ports) hosting the grains of
    /// <paramref name="grainAssemblies"/>, waits until every silo sees all of them Active, and connects a client.
    /// <paramref name="configureServices"/> adds services to every silo's container, this one's and any
    /// added later (a benchmark registers a <c>DeviceDiscovery</c> so the grains compute on a GPU).
    /// </summary>
    public static async Task<EmbeddedCluster> StartAsync(
        int siloCount, IEnumerable<Assembly> grainAssemblies, ILoggerFactory? loggerFactory = null,
        Action<ClusterOptions, SiloOptions, MembershipOptions>? configure = null, CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(siloCount, 1);
        loggerFactory ??= NullLoggerFactory.Instance;
        var assemblies = grainAssemblies.ToArray();
        var cluster = new ClusterOptions { ClusterId = "embedded", Secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)) };
        var embedded = new EmbeddedCluster(new InMemoryMembershipTable(), cluster) { _configureServices = configureServices };
        try
        {
            for (var i = 0; i < siloCount; i++)
            {
                var siloOptions = new SiloOptions { Name = $"silo-{i}", BindAddress = "127.0.0.1", Port = 0, HttpPort = 0 };
                var membership = new MembershipOptions
                {
                    HeartbeatPeriod = TimeSpan.FromMilliseconds(250),
                    DeathTimeout = TimeSpan.FromSeconds(2),
                    ProbeTimeout = TimeSpan.FromSeconds(1),
                    RefreshPeriod = TimeSpan.FromMilliseconds(500),
                };
                configure?.Invoke(cluster, siloOptions, membership);
                await embedded.AddSiloAsync(siloOptions, membership, assemblies, loggerFactory, cancellationToken).ConfigureAwait(false);
            }

            await embedded.WaitForViewAsync(siloCount, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            embedded.Client = await ClusterClient.ConnectAsync(
                new ClusterClientOptions { Cluster = cluster, Gateways = [.. embedded._silos.Select(s => s.Entry.Endpoint())], Name = "embedded-client" },
                loggerFactory, cancellationToken).ConfigureAwait(false);
            return embedded;
        }
        catch
        {
            await embedded.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts one more silo in this cluster.</summary>
    public async Task<Silo> AddSiloAsync(SiloOptions siloOptions, MembershipOptions membership, IEnumerable<Assembly> assemblies, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var collection = new ServiceCollection()
            .AddSingleton(loggerFactory)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddMetrics();
        _configureServices?.Invoke(collection);
        var services = collection.BuildServiceProvider();
        _providers.Add(services);
        var capabilities = new SiloCapabilities { CpuCores = Environment.ProcessorCount, MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes };
        var silo = new Silo(Cluster, siloOptions, membership, Table, services, assemblies, capabilities);
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Waits until every running silo's view lists <paramref name="activeCount"/> Active silos.</summary>
    public async Task WaitForViewAsync(int activeCount, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_silos.Where(s => !s.Stopped.IsCompleted).Any(s => s.View.Active.Count != activeCount))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"embedded silos did not all see {activeCount} Active silos within {timeout.TotalSeconds}s");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_silos.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}
