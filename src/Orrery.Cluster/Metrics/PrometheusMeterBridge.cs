using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// Feeds System.Diagnostics.Metrics instruments (Orleans's <c>Microsoft.Orleans</c> meter, Orrery's meters) into
/// prometheus-net metric types in one <see cref="CollectorRegistry"/>, so prometheus-net serves them. prometheus-net
/// 8.2.1's own meter adapter exported only Orleans's observable gauges in a trial (22 of 89 instruments, no counter,
/// no histogram); this bridge listens to every measurement itself.
/// <list type="bullet">
/// <item>Counters and observable counters become counters named <c>{name}_total</c>; up-down counters and gauges become gauges.</item>
/// <item>Histograms in milliseconds are exported in seconds (<c>{name}_seconds</c>), with buckets from 50 µs to 30 s
/// so sub-millisecond calls are resolved; an instrument's own bucket advice wins where it gives one.</item>
/// <item>Names follow Prometheus rules (<c>orleans-messaging-sent-messages</c> becomes <c>orleans_messaging_sent_messages_total</c>).
/// An instrument's labels are the tag keys of its first measurement; later measurements fill absent keys with "" and
/// drop keys it did not have.</item>
/// </list>
/// </summary>
public sealed partial class PrometheusMeterBridge : IDisposable
{
    /// <summary>Histogram buckets in seconds for durations that carry no advice: 50 µs to 30 s, about 2.5x apart.</summary>
    public static readonly double[] SecondsBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener _listener;
    private readonly IMetricFactory _factory;
    private readonly Func<Meter, bool> _include;
    private readonly ConcurrentDictionary<Instrument, Export> _exports = new();
    private readonly ConcurrentDictionary<string, byte> _names = new(StringComparer.Ordinal);

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
        registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>The registry the bridged metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>The Prometheus names exported so far.</summary>
    public IReadOnlyCollection<string> ExportedNames => [.. _names.Keys];

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (_include(instrument.Meter))
        {
            listener.EnableMeasurementEvents(instrument);
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
        var labels = keys.Select(k => SnakeCase(PrometheusNames.LabelName(k.Replace('.', '_'), reserveLe: true))).ToArray();
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? $"{instrument.Meter.Name} {instrument.Name}" : instrument.Description!;
        try
        {
            Export export = ExportKind(instrument) switch
            {
                Kind.Counter => new CounterExport(_factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = labels }), keys, scale, IsObservable(instrument)),
                Kind.Histogram => new HistogramExport(_factory.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = labels, Buckets = Buckets(instrument, scale) }), keys, scale),
                _ => new GaugeExport(_factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels }), keys, scale, IsObservable(instrument) || IsGauge(instrument)),
            };
            _names[name] = 0;
            return export;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Another instrument took the name with other labels or another type (two meters of one name in a
            // process, as in-process test clusters have): the first keeps it.
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

    private static bool IsObservable(Instrument instrument) => instrument.IsObservable;

    private static bool IsGauge(Instrument instrument)
    {
        var type = instrument.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Gauge<>);
    }

    private static (string Name, double Scale) ExportName(Instrument instrument)
    {
        var name = SnakeCase(PrometheusNames.MetricName(instrument.Name.Replace('-', '_').Replace('.', '_')));
        var scale = 1.0;
        var unit = instrument.Unit;
        if (unit is "ms" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
            scale = 0.001;
        }
        else if (unit is "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }
        else if (unit is "By" or "bytes" && !name.EndsWith("_bytes", StringComparison.Ordinal) && !name.Contains("_bytes_", StringComparison.Ordinal))
        {
            name += "_bytes";
        }

        if (ExportKind(instrument) == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return (name, scale);
    }

    private static double[] Buckets(Instrument instrument, double scale)
    {
        var advice = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        if (advice is { Length: > 0 })
        {
            return [.. advice.Select(b => b * scale)];
        }

        return instrument.Unit is "ms" or "s" ? SecondsBuckets : Histogram.ExponentialBuckets(1, 4, 16);
    }

    /// <summary>Prometheus's convention (promtool lints it): <c>messageDirection</c> becomes <c>message_direction</c>.</summary>
    private static string SnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && !char.IsAsciiLetterUpper(name[i - 1]))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
