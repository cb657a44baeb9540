namespace Orrery.Cluster.Metrics;

/// <summary>
/// Instrument names of what Orrery measures on an Orleans silo beyond Orleans's own meter (meter <see cref="Meter"/>),
/// as they appear on <c>/metrics</c>. Dashboards and alerts query these names.
/// </summary>
public static class SiloMetricNames
{
    /// <summary>Meter of the silo's own instruments.</summary>
    public const string Meter = "Orrery.Silos";

    /// <summary>
    /// Silos in this silo's view of Orleans membership, by status (<c>created</c>, <c>joining</c>, <c>active</c>,
    /// <c>shutting_down</c>, <c>stopping</c>, <c>dead</c>; every status always reported, 0 included). Orleans's meter has
    /// no such instrument. Dead silos stay in the table until Orleans removes defunct entries (7 days by default).
    /// </summary>
    public const string ClusterSilos = "orrery_cluster_silos";

    /// <summary>
    /// Grain calls served by this silo, by grain type, method and outcome (<c>ok</c>, <c>error</c>: the method threw), from
    /// the call's arrival at the grain to its result, in seconds, buckets from 50 µs. A histogram: its <c>_count</c> is the
    /// call rate. Orleans's own request latency (<c>orleans_app_requests_latency_seconds</c>) is measured at the caller for
    /// all calls together, and Orleans counts no calls by grain type or outcome.
    /// </summary>
    public const string CallDuration = "orrery_silo_call_duration_seconds";
}
