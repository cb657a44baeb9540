using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Client;

/// <summary>
/// A connection to a cluster from outside it. Learns membership from a gateway silo (a snapshot,
/// then every new view pushed as the silo adopts it), computes grain owners itself and calls them
/// directly, so a call costs one hop as it does between silos.
/// </summary>
public sealed partial class ClusterClient : IGrainFactory, IAsyncDisposable
{
    private readonly ClusterClientOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionManager _connections;
    private readonly GrainCaller _caller;
    private readonly GatewayMembership _membership;
    private readonly ServiceProvider _services;

    private ClusterClient(ClusterClientOptions options, ILoggerFactory loggerFactory)
    {
        options.Cluster.Validate();
        _options = options;
        _logger = loggerFactory.CreateLogger("Orrery.Client");
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ClusterMetrics(_services.GetRequiredService<IMeterFactory>());
        var identity = new TransportIdentity(options.Cluster.ClusterId, Encoding.UTF8.GetBytes(options.Cluster.Secret), "client", options.Name, 0,
            options.Cluster.MaxMessageBytes, options.Cluster.MaxPayloadBytes);
        _membership = new GatewayMembership(this);
        _connections = new ConnectionManager(identity, _membership, metrics.Transport, _logger, options.Cluster.ConnectionsPerPeer, options.Cluster.ConnectTimeout);
        _caller = new GrainCaller(_membership, _connections, null, options.Cluster, metrics);
    }

    /// <summary>The membership view this client routes by.</summary>
    public MembershipView View => _membership.Current;

    /// <summary>Raised when a new membership view arrives from the gateway.</summary>
    public event Action<MembershipView>? ViewChanged;

    /// <summary>
    /// Connects to the first gateway that answers and reads the membership view. Fails with
    /// <see cref="SiloUnavailableException"/> naming every gateway tried when none answers, and with
    /// <see cref="ClusterUnauthorizedException"/> when the cluster id or secret is wrong.
    /// </summary>
    public static async Task<ClusterClient> ConnectAsync(ClusterClientOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Gateways.Count == 0)
        {
            throw new ArgumentException("no gateway given; name at least one silo address (host:port)");
        }

        foreach (var gateway in options.Gateways)
        {
            ClusterClientOptions.ParseEndpoint(gateway);
        }

        var client = new ClusterClient(options, loggerFactory ?? NullLoggerFactory.Instance);
        try
        {
            await client._membership.SubscribeAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public T GetGrain<T>(string key)
        where T : class, IGrain => _caller.GetGrain<T>(key);

    public T GetGrain<T>(string key, string siloName)
        where T : class, IGrain => _caller.GetGrain<T>(key, siloName);

    /// <summary>Pings a silo directly (its transport endpoint) and returns its answer and the round-trip time.</summary>
    public async Task<(PingReply Reply, TimeSpan RoundTrip)> PingAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        var (host, port) = ClusterClientOptions.ParseEndpoint(endpoint);
        var connection = await _connections.GetAsync(host, port, 0, cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var deadline = Environment.TickCount64 + (long)_options.Cluster.DefaultCallTimeout.TotalMilliseconds;
        var frame = await connection.SendRequestAsync(new FrameHeader { Kind = FrameKind.Ping }, null, default, deadline, $"ping of {endpoint}")
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (PingReply.Parser.ParseFrom(frame.Message), elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        _membership.Dispose();
        await _connections.DisposeAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the membership subscription to {Gateway} ({Reason}); reconnecting")]
    private partial void LogSubscriptionLost(string gateway, string reason);

    /// <summary>The client's view: a subscription to one gateway, moved to another when it drops.</summary>
    private sealed class GatewayMembership(ClusterClient client) : IMembershipViewSource, IFrameHandler, IDisposable
    {
        private readonly CancellationTokenSource _disposed = new();
        private readonly SemaphoreSlim _subscribeLock = new(1, 1);
        private MembershipView _view = MembershipView.Empty;
        private Connection? _gateway;

        public MembershipView Current => Volatile.Read(ref _view);

        public async Task SubscribeAsync(CancellationToken cancellationToken)
        {
            await _subscribeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_gateway is { IsClosed: false } existing)
                {
                    await RequestSnapshotAsync(existing, cancellationToken).ConfigureAwait(false);
                    return;
                }

                var failures = new List<string>();
                Exception? unauthorized = null;
                foreach (var endpoint in Candidates())
                {
                    try
                    {
                        var (host, port) = ClusterClientOptions.ParseEndpoint(endpoint);
                        var connection = await client._connections.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
                        client._connections.Track(connection);
                        await RequestSnapshotAsync(connection, cancellationToken).ConfigureAwait(false);
                        _gateway = connection;
                        return;
                    }
                    catch (ClusterUnauthorizedException e)
                    {
                        unauthorized ??= e;
                        failures.Add(e.Message);
                    }
                    catch (OrreryCallException e)
                    {
                        failures.Add(e.Message);
                    }
                }

                if (unauthorized is not null)
                {
                    throw new ClusterUnauthorizedException(string.Join("; ", failures), unauthorized);
                }

                throw new SiloUnavailableException($"no gateway of cluster '{client._options.Cluster.ClusterId}' answered: {string.Join("; ", failures)}");
            }
            finally
            {
                _subscribeLock.Release();
            }
        }

        public async Task RefreshAsync(long version, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (Current.Version >= version && version > 0)
            {
                return;
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            limit.CancelAfter(timeout);
            try
            {
                await SubscribeAsync(limit.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or OrreryCallException && !cancellationToken.IsCancellationRequested)
            {
                // Keep routing on the view we have; the call that asked will fail or retry.
            }
        }

        public void OnFrame(Connection connection, InboundFrame frame)
        {
            if (frame.Header.Kind == FrameKind.MembershipUpdate)
            {
                Adopt(MembershipSnapshot.Parser.ParseFrom(frame.Message));
            }
        }

        public void OnClosed(Connection connection, Exception? error)
        {
            client._connections.Forget(connection);
            if (connection != _gateway || _disposed.IsCancellationRequested)
            {
                return;
            }

            client.LogSubscriptionLost(connection.Description, error?.Message ?? "closed");
            _ = Task.Run(async () =>
            {
                for (var attempt = 0; !_disposed.IsCancellationRequested; attempt++)
                {
                    try
                    {
                        await SubscribeAsync(_disposed.Token).ConfigureAwait(false);
                        return;
                    }
                    catch (Exception e) when (e is OrreryCallException or OperationCanceledException)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * (1 << Math.Min(attempt, 5)))), _disposed.Token)
                            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }
                }
            });
        }

        public void Dispose() => _disposed.Cancel();

        private async Task RequestSnapshotAsync(Connection connection, CancellationToken cancellationToken)
        {
            var deadline = Environment.TickCount64 + (long)client._options.Cluster.DefaultCallTimeout.TotalMilliseconds;
            var reply = await connection.SendRequestAsync(new FrameHeader { Kind = FrameKind.MembershipSubscribe }, null, default, deadline, $"membership subscription at {connection.Description}")
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Header.Status != CallStatus.Ok)
            {
                throw CallErrors.FromStatus(reply.Header.Status, reply.Header.Error);
            }

            Adopt(MembershipSnapshot.Parser.ParseFrom(reply.Message));
        }

        private void Adopt(MembershipSnapshot snapshot)
        {
            var next = new MembershipView(snapshot);
            var previous = Interlocked.Exchange(ref _view, next);
            if (previous.Version != next.Version)
            {
                client.ViewChanged?.Invoke(next);
            }
        }

        private IEnumerable<string> Candidates()
        {
            // The configured gateways first, then any Active silo of the last view (the gateways may be the ones that died).
            return client._options.Gateways.Concat(Current.Active.Select(s => s.Endpoint())).Distinct(StringComparer.Ordinal);
        }
    }
}
