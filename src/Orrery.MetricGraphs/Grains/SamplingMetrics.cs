using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Orrery.Compute;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// The sampling workload's instruments for one silo, created once per meter factory (each silo of an
/// embedded cluster has its own, so its <c>/metrics</c> shows its own work). <see cref="CreateForSilo"/>
/// creates them at silo start with zero counts for each device kind the silo has, so each name is on
/// <c>/metrics</c> before the first job and the no-progress alert sees a counter that stays 0.
/// </summary>
public sealed class SamplingMetrics
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

    /// <summary>
    /// Creates the instruments of the silo whose meter factory this is, with zero counts labelled with the
    /// device kinds the silo computes on ("cpu", and "cuda" when it has a GPU).
    /// </summary>
    public static void CreateForSilo(IMeterFactory meterFactory, DeviceDiscovery devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var metrics = For(meterFactory);
        foreach (var kind in devices.Devices.Select(d => DeviceKindLabel(d.Kind)).Distinct())
        {
            metrics.Advanced(kind, 0, 0, 0);
        }

        metrics._replacements.Add(0);
    }

    /// <summary>The <c>device_kind</c> label of a device kind.</summary>
    internal static string DeviceKindLabel(DeviceKind kind) => kind == DeviceKind.Cpu ? "cpu" : "cuda";

    /// <summary>The instruments of the silo whose meter factory this is.</summary>
    internal static SamplingMetrics For(IMeterFactory meterFactory) => PerFactory.GetValue(meterFactory, f => new SamplingMetrics(f));

    internal void Advanced(string deviceKind, long particleSteps, long splits, long truncatedSteps)
    {
        var tag = new KeyValuePair<string, object?>("device_kind", deviceKind);
        _particleSteps.Add(particleSteps, tag);
        _splits.Add(splits, tag);
        _truncatedSteps.Add(truncatedSteps, tag);
    }

    internal void Replaced() => _replacements.Add(1);

    internal void ParticlesHeld(long delta) => Interlocked.Add(ref _particles, delta);
}
