using System.Diagnostics.Metrics;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Metrics;

/// <summary>The runtime's instruments for one silo or client, created from its <see cref="IMeterFactory"/>.</summary>
internal sealed class ClusterMetrics
{
    private static readonly double[] LatencyBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _outgoingCalls;
    private readonly UpDownCounter<long> _activations;
    private readonly Counter<long> _activationsCreated;
    private readonly Counter<long> _deactivations;
    private readonly Counter<long> _membershipChanges;
    private readonly Counter<long> _declaredDead;

    public ClusterMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(new MeterOptions(MetricNames.Meter));
        _calls = Meter.CreateCounter<long>(MetricNames.GrainCalls, "{call}", "Grain calls served by this silo, by grain type, method and status.");
        _callDuration = Meter.CreateHistogram<double>(
            MetricNames.GrainCallDuration, "s", "Time to serve a grain call on this silo, queueing for the turn included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _outgoingCalls = Meter.CreateCounter<long>(MetricNames.OutgoingCalls, "{call}", "Grain calls sent by this member, by grain type and status.");
        _activations = Meter.CreateUpDownCounter<long>(MetricNames.GrainActivations, "{activation}", "Grain activations currently on this silo.");
        _activationsCreated = Meter.CreateCounter<long>(MetricNames.GrainActivationsCreated, "{activation}", "Grain activations created on this silo.");
        _deactivations = Meter.CreateCounter<long>(MetricNames.GrainDeactivations, "{activation}", "Grain deactivations on this silo, by reason.");
        _membershipChanges = Meter.CreateCounter<long>(MetricNames.MembershipChanges, "{change}", "Membership views this member adopted with a new version.");
        _declaredDead = Meter.CreateCounter<long>(MetricNames.MembershipDeclaredDead, "{silo}", "Silos this silo declared Dead after failed probes.");
        Transport = new TransportMetrics(Meter);
    }

    public Meter Meter { get; }

    public TransportMetrics Transport { get; }

    public void CallServed(string grainType, string method, CallStatus status, double seconds)
    {
        var statusText = StatusLabel(status);
        _calls.Add(1, new("grain_type", grainType), new("method", method), new("status", statusText));
        _callDuration.Record(seconds, new KeyValuePair<string, object?>("grain_type", grainType), new("method", method));
    }

    public void CallSent(string grainType, CallStatus status) =>
        _outgoingCalls.Add(1, new("grain_type", grainType), new("status", StatusLabel(status)));

    public void Activated()
    {
        _activations.Add(1);
        _activationsCreated.Add(1);
    }

    public void Deactivated(Grains.DeactivationReason reason)
    {
        _activations.Add(-1);
        _deactivations.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    public void MembershipChanged() => _membershipChanges.Add(1);

    public void DeclaredDead() => _declaredDead.Add(1);

    public void ObserveMembership(Func<Membership.MembershipView> view, Func<int> connections)
    {
        Meter.CreateObservableGauge(MetricNames.MembershipSilos, () => CountByStatus(view()), "{silo}", "Silos in this member's membership view, by status.");
        Meter.CreateObservableGauge(MetricNames.MembershipVersion, () => view().Version, "{version}", "Version of this member's membership view.");
        Meter.CreateObservableGauge(MetricNames.TransportConnections, connections, "{connection}", "Open cluster transport connections.");
    }

    private static IEnumerable<Measurement<long>> CountByStatus(Membership.MembershipView view)
    {
        foreach (var status in new[] { Membership.SiloStatus.Joining, Membership.SiloStatus.Active, Membership.SiloStatus.ShuttingDown, Membership.SiloStatus.Dead })
        {
            yield return new Measurement<long>(view.Silos.Count(s => s.Status == status), new KeyValuePair<string, object?>("status", Membership.SiloEntryExtensions.StatusText(status)));
        }
    }

    private static string StatusLabel(CallStatus status) => status switch
    {
        CallStatus.Ok => "ok",
        CallStatus.ApplicationError => "application_error",
        CallStatus.UnknownGrainType => "unknown_grain_type",
        CallStatus.UnknownMethod => "unknown_method",
        CallStatus.BadRequest => "bad_request",
        CallStatus.PayloadTooLarge => "payload_too_large",
        CallStatus.Timeout => "timeout",
        CallStatus.CallCycle => "call_cycle",
        CallStatus.Moved => "moved",
        CallStatus.SiloUnavailable => "silo_unavailable",
        CallStatus.Unauthorized => "unauthorized",
        CallStatus.Cancelled => "cancelled",
        _ => "other",
    };
}
