using Google.Protobuf;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Grains;

/// <summary>
/// Routes grain calls: computes the owner from the membership view, calls it in process when it
/// is this silo and over the transport otherwise, and re-routes when the owner answers "moved"
/// because it saw a newer view. Deadlines and call chains are inherited from the calling turn.
/// </summary>
internal sealed class GrainCaller : IGrainCallInvoker, IGrainFactory
{
    private readonly IMembershipViewSource _views;
    private readonly ConnectionManager _connections;
    private readonly ILocalGrainDispatcher? _local;
    private readonly ClusterOptions _options;
    private readonly ClusterMetrics _metrics;

    public GrainCaller(IMembershipViewSource views, ConnectionManager connections, ILocalGrainDispatcher? local, ClusterOptions options, ClusterMetrics metrics)
    {
        _views = views;
        _connections = connections;
        _local = local;
        _options = options;
        _metrics = metrics;
    }

    public T GetGrain<T>(string key)
        where T : class, IGrain => GetGrain<T>(key, "");

    public T GetGrain<T>(string key, string siloName)
        where T : class, IGrain
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(siloName);
        var grainInterface = GrainInterface.Describe(typeof(T));
        return GrainProxy.Create<T>(new GrainReference(new GrainId(grainInterface.TypeName, key), grainInterface, siloName), this);
    }

    public async Task<TResponse> InvokeAsync<TResponse>(GrainReference target, GrainMethod method, IMessage request, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        var context = CallContext.Current;
        var now = Environment.TickCount64;
        var deadline = now + (long)_options.DefaultCallTimeout.TotalMilliseconds;
        if (context is not null && context.DeadlineMs < deadline)
        {
            deadline = context.DeadlineMs;
        }

        var chain = context?.Chain ?? [];
        var status = CallStatus.Ok;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var view = _views.Current;
                var owner = RendezvousPlacement.SelectOwner(target, view) ?? await NoOwnerAsync(target, view, deadline, cancellationToken).ConfigureAwait(false);
                if (_local is not null && owner.SameSilo(_local.Self))
                {
                    return (TResponse)await InvokeLocallyAsync(target, method, request, chain, deadline, cancellationToken).ConfigureAwait(false);
                }

                var response = await SendAsync(owner, target, method, request, chain, view.Version, deadline, cancellationToken).ConfigureAwait(false);
                var header = response.Header;
                if (header.Status == CallStatus.Moved && attempt < _options.MaxMovedRetries)
                {
                    var remaining = deadline - Environment.TickCount64;
                    await _views.RefreshAsync(header.MembershipVersion, TimeSpan.FromMilliseconds(Math.Clamp(remaining, 1, 2000)), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (header.Status != CallStatus.Ok)
                {
                    status = header.Status;
                    throw CallErrors.FromStatus(header.Status, header.Error);
                }

                var result = (TResponse)method.ResponseParser.ParseFrom(response.Message);
                if (!response.Payload.IsEmpty && result is IPayloadCarrier carrier)
                {
                    carrier.Payload = response.Payload;
                }

                return result;
            }
        }
        catch (OrreryCallException e)
        {
            status = e.Status;
            throw;
        }
        finally
        {
            _metrics.CallSent(target.Interface.TypeName, status);
        }
    }

    private async Task<IMessage> InvokeLocallyAsync(GrainReference target, GrainMethod method, IMessage request, string[] chain, long deadline, CancellationToken cancellationToken)
    {
        var remaining = deadline - Environment.TickCount64;
        if (remaining <= 0)
        {
            throw Timeout(target, method, chain);
        }

        try
        {
            return await _local!.InvokeLocalAsync(target, method, request, chain, deadline, cancellationToken)
                .WaitAsync(TimeSpan.FromMilliseconds(remaining), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Timeout(target, method, chain);
        }
    }

    private async Task<InboundFrame> SendAsync(
        SiloEntry owner, GrainReference target, GrainMethod method, IMessage request, string[] chain, long viewVersion, long deadline, CancellationToken cancellationToken)
    {
        var connection = await _connections.GetAsync(owner.Host, owner.Port, owner.Generation, cancellationToken).ConfigureAwait(false);
        var header = new FrameHeader
        {
            Kind = FrameKind.Request,
            GrainType = target.Id.Type,
            GrainKey = target.Id.Key,
            Method = method.Name,
            TimeoutMs = Math.Max(1, deadline - Environment.TickCount64),
            MembershipVersion = viewVersion,
            PinnedSilo = target.PinnedSilo,
            TargetGeneration = owner.Generation,
        };
        header.CallChain.AddRange(chain);
        var payload = request is IPayloadCarrier carrier ? carrier.Payload : default;
        var pending = connection.SendRequestAsync(header, request, payload, deadline, new CallDescription(chain, target, method.Name));
        return cancellationToken.CanBeCanceled ? await pending.WaitAsync(cancellationToken).ConfigureAwait(false) : await pending.ConfigureAwait(false);
    }

    private async Task<SiloEntry> NoOwnerAsync(GrainReference target, MembershipView view, long deadline, CancellationToken cancellationToken)
    {
        // A client that has just connected, or a silo that is still joining, may not have a view
        // yet: give the view one chance to arrive before failing.
        await _views.RefreshAsync(view.Version + 1, TimeSpan.FromMilliseconds(Math.Clamp(deadline - Environment.TickCount64, 1, 2000)), cancellationToken).ConfigureAwait(false);
        var retry = _views.Current;
        var owner = RendezvousPlacement.SelectOwner(target, retry);
        if (owner is not null)
        {
            return owner;
        }

        var why = target.PinnedSilo.Length > 0
            ? $"it is pinned to silo '{target.PinnedSilo}', which is not Active"
            : target.Interface.Requirement == PlacementRequirement.Gpu
                ? $"it needs a GPU and none of the {retry.Active.Count} Active silos reports one"
                : "no silo is Active";
        throw new SiloUnavailableException($"no silo can host {target} ({target.Interface.TypeName}): {why} (membership version {retry.Version})");
    }

    /// <summary>Names a call in error messages; formatted only when an error happens.</summary>
    private sealed class CallDescription(string[] chain, GrainReference target, string method)
    {
        public override string ToString() => $"call {CallContext.Describe(chain, target.ToString())}.{method}";
    }

    private static GrainCallTimeoutException Timeout(GrainReference target, GrainMethod method, string[] chain) =>
        new($"call {CallContext.Describe(chain, target.ToString())}.{method.Name}: no answer before the deadline");
}
