namespace Orrery.Pca.Grains;

/// <summary>
/// Instrument names of the PCA workload (meter <see cref="Meter"/>). The silo's <c>PrometheusMeterBridge</c> appends <c>_total</c>
/// to counters, so rounds appear on <c>/metrics</c> as <c>orrery_pca_rounds_total</c>. All are counted on
/// the silo of the run's coordinator.
/// </summary>
public static class PcaMetricNames
{
    /// <summary>Meter of the PCA workload.</summary>
    public const string Meter = "Orrery.Pca";

    /// <summary>Rounds completed by the PCA runs coordinated on this silo.</summary>
    public const string Rounds = "orrery_pca_rounds";

    /// <summary>Bytes the PCA runs coordinated on this silo sent and received (vector estimates and shard products).</summary>
    public const string CommunicatedBytes = "orrery_pca_communicated_bytes";

    /// <summary>Rounds run again after a worker or shard failed (its grain re-placed, the round restarted).</summary>
    public const string Recoveries = "orrery_pca_recoveries";

    /// <summary>PCA runs started on this silo and not finished.</summary>
    public const string RunsInFlight = "orrery_pca_runs";

    /// <summary>Error E of each unfinished run that knows its truth, by run (the coordinator key).</summary>
    public const string Error = "orrery_pca_error";
}
