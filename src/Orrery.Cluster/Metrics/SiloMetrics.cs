using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// The silo's own instruments (<see cref="SiloMetricNames"/>): silos by membership status, read from
/// <see cref="IClusterMembershipService"/> at each scrape, and the duration of the grain calls it serves, recorded by
/// <see cref="GrainCallMetricsFilter"/>. Joins the silo lifecycle so that its instruments exist from start.
/// </summary>
public sealed class SiloMetrics : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly (SiloStatus Status, KeyValuePair<string, object?> Tag)[] Statuses =
    [
        (SiloStatus.Created, new("status", "created")),
        (SiloStatus.Joining, new("status", "joining")),
        (SiloStatus.Active, new("status", "active")),
        (SiloStatus.ShuttingDown, new("status", "shutting_down")),
        (SiloStatus.Stopping, new("status", "stopping")),
        (SiloStatus.Dead, new("status", "dead")),
    ];

    private readonly IServiceProvider _services;
    private readonly Histogram<double> _callDuration;
    private readonly ConcurrentDictionary<GrainType, string> _grainTypes = new();

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public SiloMetrics(IMeterFactory meterFactory, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _services = services;
        var meter = meterFactory.Create(SiloMetricNames.Meter);
        meter.CreateObservableGauge(SiloMetricNames.ClusterSilos, ObserveSilos, "{silo}", "Silos in this silo's view of Orleans membership, by status.");
        _callDuration = meter.CreateHistogram<double>(
            SiloMetricNames.CallDuration, "s", "Grain calls served by this silo, by grain type, method and outcome: time from arrival at the grain to the result.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PrometheusMeterBridge.SecondsBuckets });
    }

    /// <summary>Records one served call.</summary>
    public void CallServed(GrainType grainType, string? method, bool ok, double seconds) =>
        _callDuration.Record(
            seconds,
            new KeyValuePair<string, object?>("grain_type", _grainTypes.GetOrAdd(grainType, static t => t.ToString() ?? "")),
            new KeyValuePair<string, object?>("method", method ?? ""),
            new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        // Nothing to start or stop: being resolved with the silo's lifecycle participants creates the instruments at start.
    }

    private IEnumerable<Measurement<int>> ObserveSilos()
    {
        var membership = _services.GetService<IClusterMembershipService>();
        if (membership is null)
        {
            yield break;
        }

        var members = membership.CurrentSnapshot.Members.Values;
        foreach (var (status, tag) in Statuses)
        {
            yield return new Measurement<int>(members.Count(m => m.Status == status), tag);
        }
    }
}
