using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orrery.Cluster.Security;

namespace Orrery.Cluster.Silos;

/// <summary>
/// An Orleans client of a running cluster (silo processes): its gateways given as <c>host:port</c> (each a silo's
/// OrleansSilo:GatewayPort) or found in the cluster's Redis membership table, its cluster and service ids, and a
/// deadline for the connection. Disposing it closes the connection.
/// </summary>
public sealed class OrleansClientConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private OrleansClientConnection(IHost host) => _host = host;

    /// <summary>The connected client.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Connects to <paramref name="gateways"/> (<c>host:port</c> each; when empty, the gateways listed in the Redis
    /// membership table at <paramref name="redis"/>). Fails with <see cref="TimeoutException"/> naming the gateways
    /// when no connection is made within <paramref name="timeout"/>, and with <see cref="ArgumentException"/> for an
    /// address that does not parse or resolve.
    /// </summary>
    public static async Task<OrleansClientConnection> ConnectAsync(IReadOnlyList<string> gateways, string? redis, string clusterId, string serviceId,
        TimeSpan timeout, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default, ClusterTlsFiles? tls = null)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        if (gateways.Count == 0 && string.IsNullOrEmpty(redis))
        {
            throw new ArgumentException("an Orleans client needs gateways (host:port) or the cluster's Redis connection string");
        }

        var endpoints = gateways.Select(ParseGateway).ToArray();
        var identity = tls?.Load();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.UseOrleansClient(client =>
        {
            if (endpoints.Length > 0)
            {
                client.UseStaticClustering(endpoints);
            }
            else
            {
                RedisClusteringIClientBuilderExtensions.UseRedisClustering(client, redis!);
            }

            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            client.AddMessageSizeGuard();
            client.AddGatewayLossResend();
            if (identity is { } member)
            {
                client.UseClusterTls(member.Member, member.Authority);
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return new OrleansClientConnection(host);
        }
        catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException)
        {
            host.Dispose();
            var where = endpoints.Length > 0 ? string.Join(", ", gateways) : $"the gateways in Redis at {redis}";
            var hint = identity is null
                ? " (a cluster that requires TLS answers no client without a member certificate: set the TLS settings)"
                : " (with TLS: a gateway refuses a certificate its cluster's authority did not issue, and this client refuses a gateway whose certificate it did not)";
            throw new TimeoutException($"no Orleans gateway of cluster '{clusterId}' answered within {timeout.TotalSeconds:0.#} s at {where}{hint}: {e.Message}", e);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Parses <c>host:port</c> (an IP address or a name that resolves) into an endpoint.</summary>
    public static IPEndPoint ParseGateway(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"gateway '{text}' is not host:port with a port from 1 to 65535");
        }

        var host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return new IPEndPoint(addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses[0], port);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IndexOutOfRangeException)
        {
            throw new ArgumentException($"gateway '{text}': host '{host}' does not resolve ({e.Message})", e);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(HostStop.QuietlyAsync(_host, TimeSpan.FromSeconds(10)));
}
