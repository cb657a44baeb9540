using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Hosting;

/// <summary>
/// Serves what arrives at a silo: grain requests (ownership check, decode, run on the catalog,
/// answer), liveness pings, and membership subscriptions from clients, which then receive every
/// new view as it is adopted.
/// </summary>
internal sealed partial class SiloDispatcher : IFrameHandler, ILocalGrainDispatcher, IDisposable
{
    private readonly GrainTypeRegistry _registry;
    private readonly ClusterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Connection, byte> _subscribers = new();
    private readonly DeadlineTokens _deadlines = new();
    private MembershipAgent? _agent;
    private Catalog? _catalog;
    private ConnectionManager? _connections;
    private volatile bool _draining;

    public SiloDispatcher(GrainTypeRegistry registry, ClusterMetrics metrics, ILogger logger, SiloEntry self)
    {
        _registry = registry;
        _metrics = metrics;
        _logger = logger;
        Self = self;
    }

    public SiloEntry Self { get; }

    /// <summary>Requests currently being served.</summary>
    public int InFlight => _inFlight;

    private int _inFlight;

    public void Bind(MembershipAgent agent, Catalog catalog, ConnectionManager connections)
    {
        _agent = agent;
        _catalog = catalog;
        _connections = connections;
        agent.ViewChanged += PushView;
    }

    /// <summary>From now on requests are answered "moved" so callers re-route under the view that lists this silo as leaving.</summary>
    public void BeginDraining() => _draining = true;

    /// <summary>Cancels the requests still running after the shutdown grace period.</summary>
    public void CancelRemaining() => _deadlines.CancelAll();

    public void OnFrame(Connection connection, InboundFrame frame)
    {
        switch (frame.Header.Kind)
        {
            case FrameKind.Request:
                _ = HandleRequestAsync(connection, frame);
                break;
            case FrameKind.Ping:
                var view = _agent!.Current;
                connection.Post(
                    new FrameHeader { Kind = FrameKind.Response, CorrelationId = frame.Header.CorrelationId, MembershipVersion = view.Version },
                    new PingReply
                    {
                        SiloName = Self.Name,
                        SiloGeneration = Self.Generation,
                        Status = _agent.Self.Status,
                        MembershipVersion = view.Version,
                    });
                break;
            case FrameKind.MembershipSubscribe:
                _subscribers[connection] = 0;
                var current = _agent!.Current;
                connection.Post(
                    new FrameHeader { Kind = FrameKind.Response, CorrelationId = frame.Header.CorrelationId, MembershipVersion = current.Version },
                    current.Snapshot);
                break;
            default:
                connection.Post(
                    new FrameHeader
                    {
                        Kind = FrameKind.Response,
                        CorrelationId = frame.Header.CorrelationId,
                        Status = CallStatus.BadRequest,
                        Error = $"frame kind {frame.Header.Kind} is not served by a silo",
                    },
                    null);
                break;
        }
    }

    public bool LendsPayload(FrameHeader header) =>
        _registry.TryGet(header.GrainType, out var grainInterface, out _)
        && grainInterface.Methods.TryGetValue(header.Method, out var method)
        && method.BorrowsPayload;

    public void OnClosed(Connection connection, Exception? error)
    {
        _subscribers.TryRemove(connection, out _);
        _connections?.Forget(connection);
    }

    public Task<IMessage> InvokeLocalAsync(GrainReference target, GrainMethod method, IMessage request, string[] callerChain, long deadlineMs, CancellationToken cancellationToken)
    {
        if (!_registry.TryGet(target.Id.Type, out _, out var implementation))
        {
            throw new UnknownGrainTypeException(UnknownTypeMessage(target.Id.Type));
        }

        return _catalog!.InvokeAsync(target.Id, target.Interface, implementation, method, request, callerChain, deadlineMs, cancellationToken);
    }

    private async Task HandleRequestAsync(Connection connection, InboundFrame frame)
    {
        var header = frame.Header;
        var started = Stopwatch.GetTimestamp();
        var status = CallStatus.Ok;
        var error = "";
        IMessage? reply = null;
        var metricType = "unknown";
        var metricMethod = "unknown";
        var view = _agent!.Current;
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (!_registry.TryGet(header.GrainType, out var grainInterface, out var implementation))
            {
                status = CallStatus.UnknownGrainType;
                error = UnknownTypeMessage(header.GrainType);
                return;
            }

            metricType = grainInterface.TypeName;
            if (!grainInterface.Methods.TryGetValue(header.Method, out var method))
            {
                status = CallStatus.UnknownMethod;
                error = $"grain type '{header.GrainType}' has no method '{header.Method}' (it has: {string.Join(", ", grainInterface.Methods.Keys.Order(StringComparer.Ordinal))})";
                return;
            }

            metricMethod = method.Name;
            if (header.GrainKey.Length == 0)
            {
                status = CallStatus.BadRequest;
                error = $"call to {header.GrainType}.{header.Method} has an empty grain key";
                return;
            }

            var target = new GrainReference(new GrainId(header.GrainType, header.GrainKey), grainInterface, header.PinnedSilo);
            if (header.MembershipVersion > view.Version)
            {
                await _agent.RefreshAsync(header.MembershipVersion, TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
                view = _agent.Current;
            }

            var owner = RendezvousPlacement.SelectOwner(target, view);
            if (_draining || owner is null || !owner.SameSilo(Self))
            {
                status = CallStatus.Moved;
                error = owner is null
                    ? $"silo '{Self.Name}' does not own {target} and sees no Active owner (view {view.Version})"
                    : $"silo '{Self.Name}' does not own {target}; under view {view.Version} silo '{owner.Name}' does";
                return;
            }

            IMessage request;
            try
            {
                request = method.RequestParser.ParseFrom(frame.Message);
            }
            catch (InvalidProtocolBufferException e)
            {
                status = CallStatus.BadRequest;
                error = $"the body of {header.GrainType}.{header.Method} ({frame.Message.Length} bytes) is not a valid {method.RequestParser.GetType().GetGenericArguments().FirstOrDefault()?.Name ?? "request"}: {e.Message}";
                return;
            }

            if (!frame.Payload.IsEmpty)
            {
                if (request is not IPayloadCarrier carrier)
                {
                    status = CallStatus.BadRequest;
                    error = $"{header.GrainType}.{header.Method} takes no payload, but {frame.Payload.Length} payload bytes arrived";
                    return;
                }

                carrier.Payload = frame.Payload;
            }

            var timeoutMs = Math.Max(1, header.TimeoutMs);
            var deadline = Environment.TickCount64 + timeoutMs;
            var cancellation = _deadlines.Token(deadline);
            var chain = header.CallChain.Count == 0 ? [] : header.CallChain.ToArray();
            try
            {
                reply = await _catalog!.InvokeAsync(target.Id, grainInterface, implementation, method, request, chain, deadline, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested && !_deadlines.Stopped)
            {
                throw new GrainCallTimeoutException(
                    $"call {CallContext.Describe(chain, target.ToString())}.{method.Name} on silo '{Self.Name}' passed its {timeoutMs} ms deadline");
            }
        }
        catch (Exception e)
        {
            (status, error) = CallErrors.ToStatus(e);
            if (status == CallStatus.ApplicationError)
            {
                LogGrainThrew(e, header.GrainType, header.GrainKey, header.Method);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            var response = new FrameHeader
            {
                Kind = FrameKind.Response,
                CorrelationId = header.CorrelationId,
                Status = status,
                Error = error,
                MembershipVersion = view.Version,
            };
            var payload = reply is IPayloadCarrier carrier ? carrier.Payload : default;
            // A lent payload (frame.Lease) is reused once this reply is written: the grain's turn is over, and a reply
            // that echoes the payload goes out from that memory first.
            connection.Post(response, status == CallStatus.Ok ? reply : null, status == CallStatus.Ok ? payload : default, frame.Lease);
            _metrics.CallServed(metricType, metricMethod, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>Stops the deadline sweep; requests still running are no longer timed out.</summary>
    public void Dispose() => _deadlines.Dispose();

    private string UnknownTypeMessage(string typeName) =>
        $"grain type '{typeName}' is not registered on silo '{Self.Name}' (it hosts: {string.Join(", ", _registry.TypeNames)})";

    private void PushView(MembershipView view)
    {
        foreach (var subscriber in _subscribers.Keys)
        {
            if (subscriber.IsClosed)
            {
                _subscribers.TryRemove(subscriber, out _);
                continue;
            }

            subscriber.Post(new FrameHeader { Kind = FrameKind.MembershipUpdate, MembershipVersion = view.Version }, view.Snapshot);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain {GrainType}/{GrainKey}.{Method} threw")]
    private partial void LogGrainThrew(Exception error, string grainType, string grainKey, string method);
}
