using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Orrery.Cluster.Transport;

/// <summary>Accepts transport connections, runs the server side of the handshake, and hands frames to the silo.</summary>
internal sealed partial class TransportListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly TransportIdentity _identity;
    private readonly IFrameHandler _handler;
    private readonly TransportMetrics _metrics;
    private readonly ConnectionManager _connections;
    private readonly ILogger _logger;
    private readonly TimeSpan _handshakeTimeout;
    private readonly CancellationTokenSource _stopping = new();

    public TransportListener(
        Socket boundSocket, TransportIdentity identity, IFrameHandler handler, TransportMetrics metrics,
        ConnectionManager connections, ILogger logger, TimeSpan handshakeTimeout)
    {
        _identity = identity;
        _handler = handler;
        _metrics = metrics;
        _connections = connections;
        _logger = logger;
        _handshakeTimeout = handshakeTimeout;
        _socket = boundSocket;
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    /// <summary>Binds and listens, so the port is known before the silo's identity is settled.</summary>
    public static Socket Bind(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT as well, which let a second silo listen on
            // a port in use and take half its connections. The runtime's default (SO_REUSEADDR only, so a
            // restart may bind over TIME_WAIT) is what a listener needs.
            socket.Bind(endpoint);
            socket.Listen(512);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidOperationException($"cannot listen on {endpoint} for the cluster transport: {e.Message} (Silo:Port, Silo:BindAddress)", e);
        }
    }

    /// <summary>The port actually bound (useful when 0 was asked for).</summary>
    public int Port { get; }

    public void Start() => _ = Task.Run(AcceptLoopAsync);

    public ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e.SocketErrorCode);
                continue;
            }

            _ = Task.Run(() => AcceptOneAsync(accepted));
        }
    }

    private async Task AcceptOneAsync(Socket socket)
    {
        socket.NoDelay = true;
        TrafficClass.Mark(socket, _identity.Dscp);
        var remote = socket.RemoteEndPoint?.ToString() ?? "unknown peer";
        var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_handshakeTimeout);
            var caller = await Handshake.AcceptAsync(
                stream, _identity.ClusterId, _identity.Secret, _identity.Name, _identity.Generation,
                _identity.MaxMessageBytes, _identity.MaxPayloadBytes, remote, timeout.Token).ConfigureAwait(false);
            var connection = new Connection(socket, stream, _handler, _metrics, _identity.MaxMessageBytes, _identity.MaxPayloadBytes,
                $"{caller.Role} '{caller.Name}' ({remote})")
            {
                PeerName = caller.Name,
            };
            _connections.Track(connection);
            connection.Start();
        }
        catch (Exception e)
        {
            _metrics.HandshakeFailed();
            LogHandshakeFailed(remote, e.Message);
            socket.Dispose();
        }
    }

    [LoggerMessage(EventId = Silos.OrreryLogEvents.ConnectionRefused, Level = LogLevel.Warning, Message = "Refused transport connection from {Remote}: {Reason}")]
    private partial void LogHandshakeFailed(string remote, string reason);

    [LoggerMessage(EventId = Silos.OrreryLogEvents.AcceptFailed, Level = LogLevel.Warning, Message = "Accepting a transport connection failed: {Error}")]
    private partial void LogAcceptFailed(SocketError error);
}
