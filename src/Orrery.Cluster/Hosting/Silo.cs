using System.Diagnostics.Metrics;
using System.Net;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Hosting;

/// <summary>
/// One silo: hosts grain activations, serves the cluster transport, and keeps its membership row.
/// The silo host (<c>orrery-silo</c>) and the embedded cluster both compose one of these; the HTTP
/// endpoints live in the host. The service provider given must provide <see cref="ILoggerFactory"/>
/// and <see cref="IMeterFactory"/> (each silo in a process needs its own container so its metrics
/// stay apart), plus whatever the grains' constructors ask for.
/// </summary>
public sealed partial class Silo : IAsyncDisposable
{
    private readonly ClusterOptions _cluster;
    private readonly SiloOptions _options;
    private readonly MembershipOptions _membershipOptions;
    private readonly IMembershipTable _table;
    private readonly IServiceProvider _services;
    private readonly GrainTypeRegistry _registry;
    private readonly SiloCapabilities _capabilities;
    private readonly ILogger _logger;
    private readonly ClusterMetrics _metrics;
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TransportListener? _listener;
    private ConnectionManager? _connections;
    private MembershipAgent? _agent;
    private Catalog? _catalog;
    private SiloDispatcher? _dispatcher;
    private GrainCaller? _caller;
    private int _stopping;

    public Silo(
        ClusterOptions cluster, SiloOptions options, MembershipOptions membership, IMembershipTable table,
        IServiceProvider services, IEnumerable<Assembly> grainAssemblies, SiloCapabilities capabilities)
    {
        cluster.Validate();
        options.Validate();
        membership.Validate();
        _cluster = cluster;
        _options = options;
        _membershipOptions = membership;
        _table = table;
        _services = services;
        _capabilities = capabilities;
        _registry = new GrainTypeRegistry(grainAssemblies);
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Orrery.Silo");
        MeterFactory = services.GetRequiredService<IMeterFactory>();
        _metrics = new ClusterMetrics(MeterFactory);
    }

    /// <summary>The meter factory whose meters this silo's <c>/metrics</c> shows (the exporter's scope).</summary>
    public IMeterFactory MeterFactory { get; }

    /// <summary>This silo's membership row (name, address, generation, status, capabilities).</summary>
    public SiloEntry Entry => _agent?.Self ?? throw NotStarted();

    /// <summary>The silo's name.</summary>
    public string Name => Entry.Name;

    /// <summary>The transport port actually bound.</summary>
    public int Port => _listener?.Port ?? throw NotStarted();

    /// <summary>The membership view this silo routes by.</summary>
    public MembershipView View => _agent?.Current ?? MembershipView.Empty;

    /// <summary>True while this silo's own row in its view is Active (what <c>/readyz</c> reports).</summary>
    public bool IsActive => _agent is not null && _stopping == 0 && View.Find(Entry)?.Status == SiloStatus.Active;

    /// <summary>Grain types this silo hosts.</summary>
    public IReadOnlyList<string> GrainTypes => _registry.TypeNames;

    /// <summary>Typed references to grains, for code running in the silo process.</summary>
    public IGrainFactory GrainFactory => _caller ?? throw NotStarted();

    /// <summary>Live activations on this silo.</summary>
    public int ActivationCount => _catalog?.Count ?? 0;

    /// <summary>Completes when the silo has stopped, with the reason (shut down, or declared dead by the cluster).</summary>
    public Task<string> Stopped => _stopped.Task;

    /// <summary>True when the grain is activated on this silo right now.</summary>
    public bool HostsActivation(string grainType, string key) => _catalog?.IsActive(new GrainId(grainType, key)) ?? false;

    /// <summary>Binds the transport, joins the membership table and becomes Active.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var bind = IPAddress.Parse(_options.BindAddress);
        var advertised = _options.AdvertisedAddress.Length > 0
            ? _options.AdvertisedAddress
            : bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : _options.BindAddress;

        // Generation: start time in microseconds, so a restart on the same address always sorts later.
        var now = DateTimeOffset.UtcNow;
        var generation = now.ToUnixTimeMilliseconds() * 1000 + Random.Shared.Next(1000);
        var secret = Encoding.UTF8.GetBytes(_cluster.Secret);

        var socket = TransportListener.Bind(new IPEndPoint(bind, _options.Port));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var name = _options.Name.Length > 0 ? _options.Name : $"{advertised}:{port}";
        var identity = new TransportIdentity(_cluster.ClusterId, secret, "silo", name, generation, _cluster.MaxMessageBytes, _cluster.MaxPayloadBytes);

        // Frames can arrive before the dispatcher exists; the forwarder answers them "moved".
        var forward = new ForwardingHandler();
        _connections = new ConnectionManager(identity, forward, _metrics.Transport, _logger, _cluster.ConnectionsPerPeer, _cluster.ConnectTimeout);
        _listener = new TransportListener(socket, identity, forward, _metrics.Transport, _connections, _logger, _cluster.ConnectTimeout);
        var self = new SiloEntry
        {
            Name = name,
            Host = advertised,
            Port = _listener.Port,
            Generation = generation,
            Status = SiloStatus.Joining,
            Capabilities = _capabilities.Clone(),
            StartUnixMs = now.ToUnixTimeMilliseconds(),
            HttpPort = _options.HttpPort,
        };

        _dispatcher = new SiloDispatcher(_registry, _metrics, _logger, self);
        forward.Target = _dispatcher;
        _agent = new MembershipAgent(_table, self, _membershipOptions, _logger, _metrics, ProbeAsync);
        _caller = new GrainCaller(_agent, _connections, _dispatcher, _cluster, _metrics);
        _catalog = new Catalog(_services, _caller, _metrics, _logger, name, generation, () => View, _options.IdleDeactivationAfter, _options.IdleCheckPeriod);
        _dispatcher.Bind(_agent, _catalog, _connections);
        _agent.DeclaredDead += reason => _ = OnDeclaredDeadAsync(reason);
        _agent.SiloDeclaredDead += dead => _connections.Drop(dead.Host, dead.Port);
        _metrics.ObserveMembership(() => View, () => _connections.OpenConnections);

        _listener.Start();
        await _agent.JoinAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(name, self.Endpoint(), generation, string.Join(", ", _registry.TypeNames));
    }

    /// <summary>
    /// Leaves the cluster cleanly: marks itself ShuttingDown (callers re-route new calls), lets
    /// running calls finish within Silo:ShutdownGracePeriod, deactivates grains, marks itself Dead.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0 || _agent is null)
        {
            await ((Task)_stopped.Task).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        LogStopping(Name);
        try
        {
            await _agent.BeginLeavingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MembershipException or OperationCanceledException)
        {
            LogLeaveWriteFailed(e.Message);
        }

        _dispatcher!.BeginDraining();
        await _catalog!.DeactivateAllAsync(_options.ShutdownGracePeriod).ConfigureAwait(false);
        _dispatcher.CancelRemaining();
        await _agent.LeaveAsync(cancellationToken).ConfigureAwait(false);
        await ShutdownTransportAsync().ConfigureAwait(false);
        _stopped.TrySetResult($"silo '{Name}' shut down");
        LogStopped(Name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping == 0 && _agent is not null)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await ShutdownTransportAsync().ConfigureAwait(false);
    }

    /// <summary>Stops without leaving the table, as a crashed process would (tests of failure detection).</summary>
    internal async Task CrashAsync()
    {
        Interlocked.Exchange(ref _stopping, 1);
        await ShutdownTransportAsync().ConfigureAwait(false);
        _stopped.TrySetResult($"silo '{Name}' crashed");
    }

    private async Task ShutdownTransportAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }

        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        if (_connections is not null)
        {
            await _connections.DisposeAsync().ConfigureAwait(false);
        }

        if (_catalog is not null)
        {
            await _catalog.DisposeAsync().ConfigureAwait(false);
        }

        _dispatcher?.Dispose();
    }

    private async Task OnDeclaredDeadAsync(string reason)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        LogDeclaredDead(Name, reason);
        _dispatcher?.BeginDraining();
        _dispatcher?.CancelRemaining();
        await ShutdownTransportAsync().ConfigureAwait(false);
        _stopped.TrySetResult($"silo '{Name}' was declared dead by the cluster: {reason}");
    }

    private async Task<string?> ProbeAsync(SiloEntry silo, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _connections!.GetAsync(silo.Host, silo.Port, silo.Generation, cancellationToken).ConfigureAwait(false);
            var deadline = Environment.TickCount64 + (long)_membershipOptions.ProbeTimeout.TotalMilliseconds;
            var reply = await connection.SendRequestAsync(new FrameHeader { Kind = FrameKind.Ping }, null, default, deadline, $"probe of silo '{silo.Name}'")
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            var ping = PingReply.Parser.ParseFrom(reply.Message);
            return ping.SiloGeneration == silo.Generation ? null : $"answered as generation {ping.SiloGeneration}";
        }
        catch (OrreryCallException e)
        {
            return e.Message;
        }
    }

    private InvalidOperationException NotStarted() => new("the silo has not been started; call StartAsync first");

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo '{Name}' active at {Endpoint}, generation {Generation}; hosts {GrainTypes}")]
    private partial void LogStarted(string name, string endpoint, long generation, string grainTypes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo '{Name}' shutting down")]
    private partial void LogStopping(string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo '{Name}' stopped")]
    private partial void LogStopped(string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "Silo '{Name}' was declared dead by the cluster ({Reason}); stopping")]
    private partial void LogDeclaredDead(string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mark this silo ShuttingDown: {Error}")]
    private partial void LogLeaveWriteFailed(string error);

    private sealed class ForwardingHandler : IFrameHandler
    {
        public IFrameHandler? Target { get; set; }

        public void OnFrame(Connection connection, InboundFrame frame)
        {
            if (Target is { } target)
            {
                target.OnFrame(connection, frame);
            }
            else
            {
                connection.Post(
                    new FrameHeader { Kind = FrameKind.Response, CorrelationId = frame.Header.CorrelationId, Status = CallStatus.Moved, Error = "silo is starting" },
                    null);
            }
        }

        public void OnClosed(Connection connection, Exception? error) => Target?.OnClosed(connection, error);

        public bool LendsPayload(FrameHeader header) => Target?.LendsPayload(header) ?? false;
    }
}
