using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// The sampling workload's instruments for one silo, created once per meter factory (each silo of an
/// embedded cluster has its own, so its <c>/metrics</c> shows its own work).
/// </summary>
internal sealed class SamplingMetrics
{
    private static readonly ConditionalWeakTable<IMeterFactory, SamplingMetrics> PerFactory = new();

    private readonly Counter<long> _particleSteps;
    private readonly Counter<long> _splits;
    private readonly Counter<long> _truncatedSteps;
    private readonly Counter<long> _replacements;
    private long _particles;

    private SamplingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(new MeterOptions(SamplingMetricNames.Meter));
        _particleSteps = meter.CreateCounter<long>(SamplingMetricNames.ParticleSteps, "{step}", "Particle-steps computed by the ensembles on this silo, by device kind.");
        _splits = meter.CreateCounter<long>(SamplingMetricNames.Splits, "{split}", "Vertex crossings (splits of a step at a vertex) on this silo, by device kind.");
        _truncatedSteps = meter.CreateCounter<long>(SamplingMetricNames.TruncatedSteps, "{step}", "Steps stopped at the split limit with time left over on this silo, by device kind.");
        _replacements = meter.CreateCounter<long>(SamplingMetricNames.EnsembleReplacements, "{ensemble}", "Ensembles the coordinators on this silo moved to another silo after a failure.");
        meter.CreateObservableGauge(SamplingMetricNames.Particles, () => Interlocked.Read(ref _particles), "{particle}", "Particles held by the ensembles on this silo.");
    }

    /// <summary>The instruments of the silo whose meter factory this is.</summary>
    public static SamplingMetrics For(IMeterFactory meterFactory) => PerFactory.GetValue(meterFactory, f => new SamplingMetrics(f));

    public void Advanced(string deviceKind, long particleSteps, long splits, long truncatedSteps)
    {
        var tag = new KeyValuePair<string, object?>("device_kind", deviceKind);
        _particleSteps.Add(particleSteps, tag);
        _splits.Add(splits, tag);
        _truncatedSteps.Add(truncatedSteps, tag);
    }

    public void Replaced() => _replacements.Add(1);

    public void ParticlesHeld(long delta) => Interlocked.Add(ref _particles, delta);
}
