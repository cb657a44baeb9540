using System.Diagnostics.Metrics;
using System.Numerics;

namespace Orrery.Cluster.Metrics;

/// <summary>Instrument registration: which instruments are exported, and into which family and stream.</summary>
public sealed partial class PrometheusExporter
{
    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        var meter = instrument.Meter;
        if (!ReferenceEquals(meter.Scope, _meterScope) || !meter.Name.StartsWith(_options.MeterNamePrefix, StringComparison.Ordinal))
        {
            return;
        }

        if (Register(instrument) is { } stream)
        {
            listener.EnableMeasurementEvents(instrument, stream);
        }
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not MetricStream stream)
        {
            return;
        }

        lock (_registryLock)
        {
            if (--stream.InstrumentCount > 0)
            {
                return;
            }

            var family = stream.Family;
            family.Streams.Remove(stream);
            if (family.Streams.Count == 0 && !family.IsExporterOwned)
            {
                _families.Remove(family.Name);
            }
        }
    }

    /// <summary>The stream the instrument feeds, or null when it is not exported (see the conflict rules on the class).</summary>
    private MetricStream? Register(Instrument instrument)
    {
        if (!TryClassify(instrument, out var type, out var aggregation))
        {
            return null;
        }

        var name = PrometheusNames.MetricName(instrument.Name);
        if (type == MetricType.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        var constantLabels = ConstantLabels(instrument, reserveLe: type == MetricType.Histogram);
        lock (_registryLock)
        {
            if (_families.TryGetValue(name, out var family))
            {
                if (family.IsExporterOwned || family.Type != type)
                {
                    return null;
                }

                var shared = family.Streams.Find(s => s.ConstantLabels.Equals(constantLabels));
                if (shared is not null)
                {
                    if (shared.Aggregation != aggregation)
                    {
                        return null;
                    }

                    shared.InstrumentCount++;
                    return shared;
                }
            }
            else
            {
                family = new MetricFamily(name, Help(instrument), type, isExporterOwned: false);
                _families.Add(name, family);
            }

            MetricStream stream = aggregation switch
            {
                Aggregation.MonotonicSum => new SumStream(family, constantLabels, monotonic: true),
                Aggregation.Sum => new SumStream(family, constantLabels, monotonic: false),
                Aggregation.LastValue => new LastValueStream(family, constantLabels, observedIn: null),
                Aggregation.ObservedValue => new LastValueStream(family, constantLabels, _clock),
                _ => new HistogramStream(family, constantLabels, BucketBoundaries(instrument)),
            };
            stream.InstrumentCount = 1;
            family.Streams.Add(stream);
            return stream;
        }
    }

    private static bool TryClassify(Instrument instrument, out MetricType type, out Aggregation aggregation)
    {
        (type, aggregation) = (default, default);
        var instrumentType = instrument.GetType();
        if (!instrumentType.IsGenericType)
        {
            return false;
        }

        var definition = instrumentType.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            (type, aggregation) = (MetricType.Counter, Aggregation.MonotonicSum);
        }
        else if (definition == typeof(ObservableCounter<>))
        {
            (type, aggregation) = (MetricType.Counter, Aggregation.ObservedValue);
        }
        else if (definition == typeof(UpDownCounter<>))
        {
            (type, aggregation) = (MetricType.Gauge, Aggregation.Sum);
        }
        else if (definition == typeof(Gauge<>))
        {
            (type, aggregation) = (MetricType.Gauge, Aggregation.LastValue);
        }
        else if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>))
        {
            (type, aggregation) = (MetricType.Gauge, Aggregation.ObservedValue);
        }
        else if (definition == typeof(Histogram<>))
        {
            (type, aggregation) = (MetricType.Histogram, Aggregation.Histogram);
        }
        else
        {
            return false;
        }

        return true;
    }

    private static string Help(Instrument instrument)
    {
        if (!string.IsNullOrWhiteSpace(instrument.Description))
        {
            return instrument.Description;
        }

        var unit = string.IsNullOrEmpty(instrument.Unit) ? string.Empty : $" (unit {instrument.Unit})";
        return $"Instrument {instrument.Name} of meter {instrument.Meter.Name}{unit}.";
    }

    private static TagSet ConstantLabels(Instrument instrument, bool reserveLe)
    {
        var meterTags = instrument.Meter.Tags;
        var instrumentTags = instrument.Tags;
        if (meterTags is null && instrumentTags is null)
        {
            return TagSet.Empty;
        }

        // Later tags win in TagSet.Create, so an instrument tag overrides a meter tag.
        KeyValuePair<string, object?>[] tags = [.. meterTags ?? [], .. instrumentTags ?? []];
        return TagSet.Create(tags, reserveLe);
    }

    private double[] BucketBoundaries(Instrument instrument)
    {
        var advised = instrument switch
        {
            Instrument<byte> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
            Instrument<short> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
            Instrument<int> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
            Instrument<long> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
            Instrument<float> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
            Instrument<double> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
            Instrument<decimal> i => ToDoubles(i.Advice?.HistogramBucketBoundaries),
            _ => null,
        };

        // Advice is checked to be sorted by .NET and the options by Validate; keep only what
        // Prometheus can use: finite, strictly increasing (+Inf is always written).
        var source = advised ?? _options.HistogramBucketBoundaries ?? PrometheusExporterOptions.DefaultHistogramBucketBoundaries;
        var boundaries = new List<double>(source.Count);
        foreach (var boundary in source)
        {
            if (double.IsFinite(boundary) && (boundaries.Count == 0 || boundary > boundaries[^1]))
            {
                boundaries.Add(boundary);
            }
        }

        return [.. boundaries];
    }

    private static double[]? ToDoubles<T>(IReadOnlyList<T>? boundaries)
        where T : struct, INumberBase<T> =>
        boundaries is null ? null : [.. boundaries.Select(double.CreateTruncating)];
}
