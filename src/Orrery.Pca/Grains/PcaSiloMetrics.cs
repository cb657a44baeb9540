using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Orrery.Pca.Grains;

/// <summary>
/// The PCA workload's instruments for one silo, created once per meter factory (each silo of an embedded
/// cluster has its own). <see cref="CreateForSilo"/> creates them at silo start with zero counts, so each
/// name is on <c>/metrics</c> before the first run and the no-progress alert sees a counter that stays 0.
/// </summary>
public sealed class PcaSiloMetrics
{
    private static readonly ConditionalWeakTable<IMeterFactory, PcaSiloMetrics> PerFactory = new();

    private readonly Counter<long> _rounds;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _recoveries;

    // run key -> latest E (NaN until a round with a truth is recorded); present while the run is unfinished.
    private readonly ConcurrentDictionary<string, double> _runs = new(StringComparer.Ordinal);

    private PcaSiloMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(new MeterOptions(PcaMetricNames.Meter));
        _rounds = meter.CreateCounter<long>(PcaMetricNames.Rounds, "{round}", "Rounds completed by the PCA runs coordinated on this silo.");
        _bytes = meter.CreateCounter<long>(PcaMetricNames.CommunicatedBytes, "By", "Bytes communicated by the PCA runs coordinated on this silo (vector estimates, shard products).");
        _recoveries = meter.CreateCounter<long>(PcaMetricNames.Recoveries, "{round}", "PCA rounds run again on this silo's coordinators after a worker or shard failed.");
        meter.CreateObservableGauge(PcaMetricNames.RunsInFlight, () => (long)_runs.Count, "{run}", "PCA runs coordinated on this silo, started and not finished.");
        meter.CreateObservableGauge(PcaMetricNames.Error, ErrorMeasurements, "1", "Error E against the truth of each unfinished PCA run coordinated on this silo, by run.");
        _rounds.Add(0);
        _bytes.Add(0);
        _recoveries.Add(0);
    }

    /// <summary>Creates the instruments of the silo whose meter factory this is, with zero counts.</summary>
    public static void CreateForSilo(IMeterFactory meterFactory) => For(meterFactory);

    internal static PcaSiloMetrics For(IMeterFactory meterFactory) => PerFactory.GetValue(meterFactory, f => new PcaSiloMetrics(f));

    internal void RunStarted(string run) => _runs[run] = double.NaN;

    internal void RunEnded(string run) => _runs.TryRemove(run, out _);

    /// <summary>What one slice of a run did: rounds completed, bytes and recoveries since the last slice, and the latest E.</summary>
    internal void Advanced(string run, int rounds, long bytes, int recoveries, double error)
    {
        _rounds.Add(rounds);
        _bytes.Add(Math.Max(0, bytes));
        _recoveries.Add(Math.Max(0, recoveries));
        if (_runs.ContainsKey(run))
        {
            _runs[run] = error;
        }
    }

    private IEnumerable<Measurement<double>> ErrorMeasurements()
    {
        foreach (var (run, error) in _runs)
        {
            if (double.IsFinite(error))
            {
                yield return new Measurement<double>(error, new KeyValuePair<string, object?>("run", run));
            }
        }
    }
}
