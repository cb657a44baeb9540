using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Silos;

namespace Orrery.Cluster.Transport;

/// <summary>
/// Outbound connections, a few per peer silo, opened on first use and reopened when they drop.
/// Also sweeps call deadlines for every connection it knows every 50 ms, which costs one timer
/// for the process instead of one per call.
/// </summary>
internal sealed partial class ConnectionManager : IAsyncDisposable
{
    private const int SweepPeriodMs = 50;

    private readonly TransportIdentity _identity;
    private readonly IFrameHandler _handler;
    private readonly TransportMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _connectionsPerPeer;
    private readonly TimeSpan _connectTimeout;
    private readonly ConcurrentDictionary<string, PeerConnections> _peers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Connection, byte> _tracked = new();
    private readonly Timer _sweeper;
    private bool _disposed;

    public ConnectionManager(
        TransportIdentity identity, IFrameHandler handler, TransportMetrics metrics, ILogger logger, int connectionsPerPeer, TimeSpan connectTimeout)
    {
        _identity = identity;
        _handler = handler;
        _metrics = metrics;
        _logger = logger;
        _connectionsPerPeer = connectionsPerPeer;
        _connectTimeout = connectTimeout;
        _sweeper = new Timer(static s => ((ConnectionManager)s!).Sweep(), this, SweepPeriodMs, SweepPeriodMs);
    }

    /// <summary>Open connections, outbound and inbound.</summary>
    public int OpenConnections => _peers.Values.Sum(p => p.OpenCount) + _tracked.Count;

    /// <summary>
    /// A connection to the silo at <paramref name="host"/>:<paramref name="port"/>. When
    /// <paramref name="generation"/> is not 0 the silo must be that generation: a restarted process on
    /// the same address is a different silo and the call fails with <see cref="SiloUnavailableException"/>.
    /// </summary>
    public ValueTask<Connection> GetAsync(string host, int port, long generation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var peer = _peers.GetOrAdd($"{host}:{port}", static (_, s) => new PeerConnections(s._connectionsPerPeer), this);
        var slot = peer.NextSlot();
        var connection = peer.Slots[slot];
        if (connection is not null && !connection.IsClosed && (generation == 0 || connection.PeerGeneration == generation))
        {
            return ValueTask.FromResult(connection);
        }

        return ConnectSlotAsync(peer, slot, host, port, generation, cancellationToken);
    }

    /// <summary>Tracks a connection outside the pools (accepted, or a client's gateway subscription) so its calls are swept and it is closed on dispose.</summary>
    public void Track(Connection connection) => _tracked[connection] = 0;

    public void Forget(Connection connection) => _tracked.TryRemove(connection, out _);

    /// <summary>Connections outside the pools.</summary>
    public IEnumerable<Connection> TrackedConnections => _tracked.Keys;

    /// <summary>Closes connections to an endpoint (the silo there was declared dead).</summary>
    public void Drop(string host, int port)
    {
        if (_peers.TryRemove($"{host}:{port}", out var peer))
        {
            foreach (var connection in peer.Slots)
            {
                connection?.Close(new SiloUnavailableException($"silo at {host}:{port} left the cluster"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        foreach (var peer in _peers.Values)
        {
            foreach (var connection in peer.Slots)
            {
                connection?.Close(null);
            }
        }

        foreach (var connection in _tracked.Keys)
        {
            connection.Close(null);
        }

        _peers.Clear();
        _tracked.Clear();
    }

    private async ValueTask<Connection> ConnectSlotAsync(PeerConnections peer, int slot, string host, int port, long generation, CancellationToken cancellationToken)
    {
        await peer.Locks[slot].WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = peer.Slots[slot];
            if (existing is not null && !existing.IsClosed && (generation == 0 || existing.PeerGeneration == generation))
            {
                return existing;
            }

            var connection = await ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            if (generation != 0 && connection.PeerGeneration != generation)
            {
                connection.Close(null);
                throw new SiloUnavailableException(
                    $"silo at {host}:{port} is now '{connection.PeerName}' generation {connection.PeerGeneration}; generation {generation} is gone");
            }

            existing?.Close(null);
            peer.Slots[slot] = connection;
            return connection;
        }
        finally
        {
            peer.Locks[slot].Release();
        }
    }

    /// <summary>Opens and authenticates one connection.</summary>
    public async Task<Connection> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var description = $"{host}:{port}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_connectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        TrafficClass.Mark(socket, _identity.Dscp);
        try
        {
            var address = IPAddress.TryParse(host, out var ip) ? ip : (await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false))[0];
            await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: false);
            var peer = await Handshake.ConnectAsync(
                stream, _identity.ClusterId, _identity.Secret, _identity.Role, _identity.Name, $"silo at {description}", timeout.Token).ConfigureAwait(false);
            var connection = new Connection(socket, stream, _handler, _metrics, _identity.MaxMessageBytes, _identity.MaxPayloadBytes,
                $"silo '{peer.SiloName}' ({description})")
            {
                PeerName = peer.SiloName,
                PeerGeneration = peer.SiloGeneration,
                PeerMaxMessageBytes = peer.MaxMessageBytes,
                PeerMaxPayloadBytes = peer.MaxPayloadBytes,
            };
            connection.Start();
            return connection;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            socket.Dispose();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            var why = e is OperationCanceledException ? $"no answer within {_connectTimeout.TotalSeconds}s" : e.Message;
            throw new SiloUnavailableException($"cannot reach silo at {description}: {why}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        try
        {
            foreach (var peer in _peers.Values)
            {
                foreach (var connection in peer.Slots)
                {
                    connection?.ExpireCalls(now);
                }
            }

            foreach (var connection in _tracked.Keys)
            {
                connection.ExpireCalls(now);
            }
        }
        catch (Exception e)
        {
            LogSweepFailed(e);
        }
    }

    [LoggerMessage(EventId = OrreryLogEvents.DeadlineSweepFailed, Level = LogLevel.Error, Message = "The transport's sweep of expired call deadlines failed; calls may wait past their deadline until the next sweep")]
    private partial void LogSweepFailed(Exception error);

    private sealed class PeerConnections(int count)
    {
        private uint _next;

        public Connection?[] Slots { get; } = new Connection?[count];

        public SemaphoreSlim[] Locks { get; } = [.. Enumerable.Range(0, count).Select(_ => new SemaphoreSlim(1, 1))];

        public int OpenCount => Slots.Count(c => c is not null && !c.IsClosed);

        public int NextSlot() => (int)(Interlocked.Increment(ref _next) % (uint)Slots.Length);
    }
}
