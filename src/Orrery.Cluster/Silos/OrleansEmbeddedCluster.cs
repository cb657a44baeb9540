using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orrery.Cluster.Security;
using Orrery.Cluster.Tensors;

namespace Orrery.Cluster.Silos;

/// <summary>
/// A real Orleans cluster of N silos in this process on loopback, for <c>orrery demo</c> and <c>orrery run</c> without
/// a gateway and for tests: each silo its own host with its own ports, development clustering (silo 0 is the
/// primary), mutual TLS under a throwaway certificate authority made in memory, Orrery's placement (silo i offers the
/// GPUs its entry of the start list names) and a tensor channel under a throwaway secret; and an Orleans client
/// connected to their gateways.
/// </summary>
public sealed class OrleansEmbeddedCluster : IAsyncDisposable
{
    private readonly List<IHost> _silos;
    private readonly HashSet<int> _stopped = [];
    private readonly IPEndPoint[] _gateways;
    private IHost _client = null!;

    private OrleansEmbeddedCluster(List<IHost> silos, IPEndPoint[] gateways, string clusterId, X509Certificate2 authority, X509Certificate2 member)
    {
        _silos = silos;
        _gateways = gateways;
        ClusterId = clusterId;
        Authority = authority;
        Member = member;
    }

    /// <summary>The cluster id, unique per embedded cluster.</summary>
    public string ClusterId { get; }

    /// <summary>The cluster's throwaway certificate authority (in memory only); every silo and the client present a certificate it issued.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The member certificate the silos and the client present.</summary>
    public X509Certificate2 Member { get; }

    /// <summary>The client connected to the cluster.</summary>
    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    /// <summary>The silos' service providers (their tensor channels, for example), in start order.</summary>
    public IReadOnlyList<IServiceProvider> Silos => [.. _silos.Select(s => s.Services)];

    /// <summary>The silos' names, in start order: <c>embedded-0</c>, <c>embedded-1</c>, ...</summary>
    public IReadOnlyList<string> SiloNames => [.. Enumerable.Range(0, _silos.Count).Select(SiloName)];

    /// <summary>
    /// Stops silo <paramref name="index"/> as SIGTERM stops a silo process: Orleans's graceful shutdown (its grains are
    /// deactivated, the others hear that it left). Its grains are placed again elsewhere on their next call.
    /// </summary>
    public async Task StopSiloAsync(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _silos.Count);
        if (_stopped.Add(index))
        {
            await StopQuietlyAsync(_silos[index]).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts one silo per entry of <paramref name="gpusPerSilo"/> (its GPU count) and a client. <paramref name="configure"/>
    /// adds each silo's services (workload modules); <paramref name="logging"/> configures every host's logging (none by default);
    /// <paramref name="configureClient"/> adds to the client's configuration (its response timeout, for example).
    /// </summary>
    public static async Task<OrleansEmbeddedCluster> StartAsync(
        IReadOnlyList<int> gpusPerSilo, Action<int, ISiloBuilder>? configure = null, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default,
        Action<IClientBuilder>? configureClient = null) =>
        await StartAsync(gpusPerSilo, configure, logging, cancellationToken, configureClient, FreeLoopbackPort).ConfigureAwait(false);

    /// <summary><see cref="StartAsync(IReadOnlyList{int}, Action{int, ISiloBuilder}?, Action{ILoggingBuilder}?, CancellationToken, Action{IClientBuilder}?)"/> taking the silos' ports from <paramref name="freePort"/> (tests).</summary>
    internal static async Task<OrleansEmbeddedCluster> StartAsync(
        IReadOnlyList<int> gpusPerSilo, Action<int, ISiloBuilder>? configure, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken,
        Action<IClientBuilder>? configureClient, Func<int> freePort)
    {
        ArgumentNullException.ThrowIfNull(gpusPerSilo);
        ArgumentOutOfRangeException.ThrowIfZero(gpusPerSilo.Count);

        // The silos' ports are found free, released, and bound again by Orleans a moment later; in between, another
        // program's outgoing connection or server may take one (seen in CI, where test classes start clusters in
        // parallel). Such a start is retried on fresh ports, twice.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(gpusPerSilo, configure, logging, cancellationToken, configureClient, freePort).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < 3 && IsPortTaken(e))
            {
            }
        }
    }

    /// <summary>A bind refused because the port is in use (Orleans's AddressInUseException wraps that SocketException).</summary>
    private static bool IsPortTaken(Exception e) =>
        e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || (e.InnerException is { } inner && IsPortTaken(inner));

    private static async Task<OrleansEmbeddedCluster> StartOnceAsync(
        IReadOnlyList<int> gpusPerSilo, Action<int, ISiloBuilder>? configure, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken,
        Action<IClientBuilder>? configureClient, Func<int> freePort)
    {
        var clusterId = $"embedded-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var (authority, member) = ClusterCertificates.CreateThrowaway(clusterId);
        var ports = Enumerable.Range(0, gpusPerSilo.Count).Select(_ => (Silo: freePort(), Gateway: freePort())).ToArray();
        var primary = new IPEndPoint(IPAddress.Loopback, ports[0].Silo);
        var silos = new List<IHost>();
        try
        {
            for (var i = 0; i < gpusPerSilo.Count; i++)
            {
                var index = i;
                var builder = NewHost(logging);
                builder.UseOrleans(silo =>
                {
                    silo.UseDevelopmentClustering(primary);
                    silo.UseConsistentGrainDirectory();
                    silo.AddMessageSizeGuard();
                    silo.Configure<ClusterOptions>(o => Name(o, clusterId));
                    silo.Configure<SiloOptions>(o => o.SiloName = SiloName(index));
                    silo.Configure<EndpointOptions>(o =>
                    {
                        o.AdvertisedIPAddress = IPAddress.Loopback;
                        o.SiloPort = ports[index].Silo;
                        o.GatewayPort = ports[index].Gateway;
                    });
                    silo.UseClusterTls(member, authority);
                    silo.AddOrreryPlacement(gpusPerSilo[index], Math.Max(1, Environment.ProcessorCount / gpusPerSilo.Count));
                    silo.AddTensorChannel(o =>
                    {
                        o.ClusterId = clusterId;
                        o.Secret = secret;
                        o.BindAddress = "127.0.0.1";
                        o.Port = 0;
                    });
                    configure?.Invoke(index, silo);
                });
                var host = builder.Build();
                silos.Add(host);
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            var cluster = new OrleansEmbeddedCluster(silos, [.. ports.Select(p => new IPEndPoint(IPAddress.Loopback, p.Gateway))], clusterId, authority, member);
            cluster._client = await cluster.ConnectClientAsync(member, logging, cancellationToken, configureClient).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            foreach (var silo in silos)
            {
                await StopQuietlyAsync(silo).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Starts another client on the cluster's gateways presenting <paramref name="certificate"/> (null: no TLS at all),
    /// and requiring the cluster's authority of the gateways. The caller disposes it.
    /// </summary>
    public async Task<IHost> ConnectClientAsync(X509Certificate2? certificate, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default,
        Action<IClientBuilder>? configure = null)
    {
        var builder = NewHost(logging);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(_gateways);
            client.AddMessageSizeGuard();
            client.Configure<ClusterOptions>(o => Name(o, ClusterId));
            if (certificate is not null)
            {
                client.UseClusterTls(certificate, Authority);
            }

            configure?.Invoke(client);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>The tensor channel of silo <paramref name="index"/>.</summary>
    public TensorChannel TensorChannel(int index) => _silos[index].Services.GetRequiredService<TensorChannel>();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopQuietlyAsync(_client).ConfigureAwait(false);
        for (var i = _silos.Count - 1; i >= 0; i--)
        {
            if (_stopped.Add(i))
            {
                await StopQuietlyAsync(_silos[i]).ConfigureAwait(false);
            }
        }
    }

    private static Task StopQuietlyAsync(IHost host) => HostStop.QuietlyAsync(host, TimeSpan.FromSeconds(20));

    /// <summary>A bare host (no default configuration sources or loggers) whose logging <paramref name="logging"/> sets up.</summary>
    private static HostApplicationBuilder NewHost(Action<ILoggingBuilder>? logging)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        return builder;
    }

    /// <summary>An embedded cluster is its own service: cluster id and service id are the same throwaway name.</summary>
    private static void Name(ClusterOptions options, string clusterId)
    {
        options.ClusterId = clusterId;
        options.ServiceId = clusterId;
    }

    private static string SiloName(int index) => $"embedded-{index}";

    // Below Linux's ephemeral range (32768-60999 by default), where every outgoing connection takes its local port:
    // a silo port handed out from that range (as port 0 is) can be taken by a connection before Orleans binds it (a
    // CI run of 189395c had a client wait minutes for a gateway on port 32785). Each process starts at a random point.
    private const int FirstPort = 20000;
    private const int LastPort = 32000;
    private static int _nextPort = FirstPort + Random.Shared.Next(LastPort - FirstPort);

    private static int FreeLoopbackPort()
    {
        for (var attempt = 0; attempt < LastPort - FirstPort; attempt++)
        {
            var port = FirstPort + (int)((uint)(Interlocked.Increment(ref _nextPort) - FirstPort) % (LastPort - FirstPort));
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // In use: the next.
            }
        }

        throw new InvalidOperationException($"no free loopback port from {FirstPort} to {LastPort}");
    }
}
