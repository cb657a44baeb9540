using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// Feeds System.Diagnostics.Metrics instruments (Orleans's <c>Microsoft.Orleans</c> meter, Orrery's <c>Orrery.*</c> meters)
/// into prometheus-net metric types in one <see cref="CollectorRegistry"/>, which serves a silo's whole <c>/metrics</c>.
/// prometheus-net 8.2.1's own meter adapter exported only Orleans's observable gauges in a trial (22 of 89 instruments, no
/// counter, no histogram); this bridge listens to every measurement itself.
/// <list type="bullet">
/// <item>Counters and observable counters become counters named <c>{name}_total</c>; up-down counters and gauges become gauges.
/// An observable gauge's series that its callback no longer reports (a finished run's error) is removed at the next scrape.</item>
/// <item>Units become base units in the name: <c>ms</c> and <c>s</c> give <c>{name}_seconds</c> in seconds, <c>By</c>,
/// <c>bytes</c> and <c>MB</c> give <c>{name}_bytes</c> in bytes.</item>
/// <item>Histograms of durations get buckets from 50 µs to 30 s (<see cref="SecondsBuckets"/>), so sub-millisecond calls are
/// resolved; an instrument's own bucket advice wins where it gives one.</item>
/// <item>Names follow Prometheus rules (<c>orleans-messaging-sent-messages</c> becomes <c>orleans_messaging_sent_messages_total</c>).
/// An instrument's labels are the tag keys of its first measurement; later measurements fill absent keys with "" and drop
/// keys it did not have. Two instruments of one name (two silos in one process) feed the same series.</item>
/// </list>
/// </summary>
public sealed partial class PrometheusMeterBridge : IDisposable
{
    /// <summary>The HTTP content type of <see cref="WriteAsync"/>'s output: the Prometheus text format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Histogram buckets in seconds for durations that carry no advice: 50 µs to 30 s, about 2.5x apart.</summary>
    public static readonly double[] SecondsBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener _listener;
    private readonly IMetricFactory _factory;
    private readonly Func<Meter, bool> _include;
    private readonly ConcurrentDictionary<Instrument, Export> _exports = new();
    private readonly ConcurrentDictionary<string, byte> _names = new(StringComparer.Ordinal);
    private readonly Lock _observationLock = new();

    /// <summary>Bridges every meter <paramref name="include"/> accepts (default: <c>Microsoft.Orleans</c> and <c>Orrery.*</c>) into <paramref name="registry"/>.</summary>
    public PrometheusMeterBridge(CollectorRegistry registry, Func<Meter, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _include = include ?? (meter => meter.Name == "Microsoft.Orleans" || meter.Name.StartsWith("Orrery.", StringComparison.Ordinal));
        _listener = new MeterListener { InstrumentPublished = OnPublished };
        _listener.SetMeasurementEventCallback<long>((i, v, t, s) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, s) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<short>((i, v, t, s) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<byte>((i, v, t, s) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, s) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<float>((i, v, t, s) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<decimal>((i, v, t, s) => Record(i, (double)v, t));
        _listener.Start();
        registry.AddBeforeCollectCallback(ObserveInstruments);
    }

    /// <summary>The registry the bridged metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>The Prometheus names exported so far.</summary>
    public IReadOnlyCollection<string> ExportedNames => [.. _names.Keys];

    /// <summary>
    /// A silo's metrics: a new registry with prometheus-net's process and GC collectors (<c>process_cpu_seconds_total</c>,
    /// <c>process_working_set_bytes</c>, <c>process_open_handles</c>, <c>dotnet_collection_count_total</c>,
    /// <c>dotnet_total_memory_bytes</c>, ...) and this bridge's meters. prometheus-net's default registry is not used: its
    /// EventCounter and meter adapters export <c>System.Runtime</c> gauges named <c>..._count</c> and a gauge named
    /// <c>..._total</c>, which <c>promtool check metrics</c> rejects.
    /// </summary>
    public static PrometheusMeterBridge WithProcessMetrics(Func<Meter, bool>? include = null)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        return new PrometheusMeterBridge(registry, include);
    }

    /// <summary>Collects the registry (reading the observable instruments) and writes it in the format of <see cref="ContentType"/>.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken = default) =>
        Registry.CollectAndExportAsTextAsync(output, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (_include(instrument.Meter))
        {
            listener.EnableMeasurementEvents(instrument);
        }
    }

    /// <summary>Reads every observable instrument once, then drops the observed series that were not reported (scrapes are serialised here).</summary>
    private void ObserveInstruments()
    {
        lock (_observationLock)
        {
            _listener.RecordObservableInstruments();
            foreach (var export in _exports.Values)
            {
                export.ObservationDone();
            }
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_exports.TryGetValue(instrument, out var export))
        {
            var keys = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                keys[i] = tags[i].Key;
            }

            export = _exports.GetOrAdd(instrument, static (i, state) => state.Bridge.Create(i, state.Keys), (Bridge: this, Keys: keys));
        }

        export.Record(value, tags);
    }

    private Export Create(Instrument instrument, string[] keys)
    {
        var (name, scale) = ExportName(instrument);
        var labels = keys.Select(LabelName).ToArray();
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? $"{instrument.Meter.Name} {instrument.Name}" : instrument.Description!;
        try
        {
            Export export = ExportKind(instrument) switch
            {
                Kind.Counter => new CounterExport(_factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = labels }), keys, scale, instrument.IsObservable),
                Kind.Histogram => new HistogramExport(_factory.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = labels, Buckets = Buckets(instrument, scale) }), keys, scale),
                _ when instrument.IsObservable => new ObservedGaugeExport(_factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels }), keys, scale),
                _ => new GaugeExport(_factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels }), keys, scale, absolute: IsGauge(instrument)),
            };
            _names[name] = 0;
            return export;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Another instrument took the name with other labels or another type: the first keeps it.
            return Export.Ignored;
        }
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    private static Kind ExportKind(Instrument instrument)
    {
        var type = instrument.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        return generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>) ? Kind.Counter
            : generic == typeof(Histogram<>) ? Kind.Histogram
            : Kind.Gauge;
    }

    private static bool IsGauge(Instrument instrument)
    {
        var type = instrument.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Gauge<>);
    }

    private static double[] Buckets(Instrument instrument, double scale)
    {
        var advice = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        if (advice is { Length: > 0 })
        {
            return [.. advice.Select(b => b * scale)];
        }

        // Sizes and counts without advice: 1 to 4^15 (1 GiB for bytes), 4x apart.
        return instrument.Unit is "ms" or "s" ? SecondsBuckets : Histogram.ExponentialBuckets(1, 4, 16);
    }
}
