using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Metrics;

namespace Orrery.Cluster.Grains;

/// <summary>
/// The activations of one silo: creates them on first call, routes requests to them, and
/// deactivates idle ones. Creating and deactivating race safely: a request that finds an
/// activation already deactivated resolves the grain again and gets a fresh one.
/// </summary>
internal sealed partial class Catalog : IAsyncDisposable
{
    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private readonly IServiceProvider _services;
    private readonly IGrainFactory _factory;
    private readonly ClusterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _siloName;
    private readonly long _siloGeneration;
    private readonly Func<Membership.MembershipView> _view;
    private readonly TimeSpan _idleAfter;
    private readonly Timer _idleTimer;

    public Catalog(
        IServiceProvider services, IGrainFactory factory, ClusterMetrics metrics, ILogger logger,
        string siloName, long siloGeneration, Func<Membership.MembershipView> view, TimeSpan idleAfter, TimeSpan idleCheckPeriod)
    {
        _view = view;
        _services = services;
        _factory = factory;
        _metrics = metrics;
        _logger = logger;
        _siloName = siloName;
        _siloGeneration = siloGeneration;
        _idleAfter = idleAfter;
        _idleTimer = new Timer(static s => _ = ((Catalog)s!).CollectIdleAsync(), this, idleCheckPeriod, idleCheckPeriod);
    }

    public int Count => _activations.Count;

    /// <summary>True when the grain has a live activation here.</summary>
    public bool IsActive(GrainId id) => _activations.ContainsKey(id);

    public async Task<IMessage> InvokeAsync(
        GrainId id, GrainInterface grainInterface, Type implementation, GrainMethod method, IMessage request,
        string[] callerChain, long deadlineMs, CancellationToken cancellationToken)
    {
        while (true)
        {
            var activation = _activations.GetOrAdd(id, static (key, s) => s.Self.Create(key, s.Interface, s.Implementation), (Self: this, Interface: grainInterface, Implementation: implementation));
            if (!activation.TryEnter())
            {
                // Lost a race with deactivation; the next GetOrAdd creates a fresh activation.
                _activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(id, activation));
                continue;
            }

            try
            {
                return await activation.RunAsync(method, request, callerChain, deadlineMs, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (activation.ActivationFailed && e is not OrreryCallException)
            {
                if (activation.TryBeginDeactivation(long.MaxValue, force: true))
                {
                    _activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(id, activation));
                    _metrics.Deactivated(DeactivationReason.Requested);
                }

                throw new GrainInvocationException($"activation of {id} on silo '{_siloName}' failed in OnActivateAsync: {e.GetType().Name}: {e.Message}", e);
            }
            finally
            {
                if (activation.DeactivationRequested)
                {
                    _ = DeactivateAsync(activation, DeactivationReason.Requested, Environment.TickCount64);
                }
            }
        }
    }

    /// <summary>Deactivates every activation, letting running requests finish within <paramref name="grace"/>.</summary>
    public async Task DeactivateAllAsync(TimeSpan grace)
    {
        await Task.WhenAll(_activations.Values.Select(a => a.DrainAsync(grace))).ConfigureAwait(false);
        await Task.WhenAll(_activations.Values.Select(a => DeactivateAsync(a, DeactivationReason.SiloShutdown, long.MaxValue, force: true))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await _idleTimer.DisposeAsync().ConfigureAwait(false);

    private GrainActivation Create(GrainId id, GrainInterface grainInterface, Type implementation)
    {
        var instance = (Grain)ActivatorUtilities.CreateInstance(_services, implementation);
        var activation = new GrainActivation(id, grainInterface, instance);
        instance.Attach(new GrainRuntimeContext(id, _factory, _siloName, _siloGeneration, _view, () => activation.DeactivationRequested = true));
        _metrics.Activated();
        return activation;
    }

    private async Task CollectIdleAsync()
    {
        var idleSince = Environment.TickCount64 - (long)_idleAfter.TotalMilliseconds;
        foreach (var activation in _activations.Values)
        {
            await DeactivateAsync(activation, DeactivationReason.Idle, idleSince).ConfigureAwait(false);
        }
    }

    private async Task DeactivateAsync(GrainActivation activation, DeactivationReason reason, long idleSinceMs, bool force = false)
    {
        if (!activation.TryBeginDeactivation(idleSinceMs, force))
        {
            return;
        }

        _activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(activation.Id, activation));
        _metrics.Deactivated(reason);
        if (!activation.WasActivated)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await activation.Instance.OnDeactivateAsync(reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogDeactivateFailed(e, activation.IdText, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OnDeactivateAsync of {Grain} ({Reason}) threw")]
    private partial void LogDeactivateFailed(Exception error, string grain, DeactivationReason reason);
}
