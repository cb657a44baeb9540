namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// Instrument names of the sampling workload (meter <see cref="Meter"/>). The silo's <c>PrometheusMeterBridge</c>
/// appends <c>_total</c> to counters, so particle-steps appear on <c>/metrics</c> as
/// <c>orrery_sampling_particle_steps_total</c>.
/// </summary>
public static class SamplingMetricNames
{
    /// <summary>Meter of the metric-graph workload.</summary>
    public const string Meter = "Orrery.MetricGraphs";

    /// <summary>Steps begun by particles on the graph, by device kind.</summary>
    public const string ParticleSteps = "orrery_sampling_particle_steps";

    /// <summary>Vertex crossings (splits of a step at a vertex), by device kind.</summary>
    public const string Splits = "orrery_sampling_splits";

    /// <summary>Steps stopped at the split limit with time left over, by device kind.</summary>
    public const string TruncatedSteps = "orrery_sampling_truncated_steps";

    /// <summary>Ensembles a coordinator moved to another silo after their silo failed.</summary>
    public const string EnsembleReplacements = "orrery_sampling_ensemble_replacements";

    /// <summary>Particles held by the ensembles on this silo.</summary>
    public const string Particles = "orrery_sampling_particles";
}
