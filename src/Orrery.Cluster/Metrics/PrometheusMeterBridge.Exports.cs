using System.Globalization;
using Prometheus;

namespace Orrery.Cluster.Metrics;

/// <summary>One bridged instrument: where its measurements go in prometheus-net.</summary>
public sealed partial class PrometheusMeterBridge
{
    private abstract class Export(string[] keys, double scale)
    {
        public static readonly Export Ignored = new IgnoredExport();

        protected double Scale { get; } = scale;

        public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        /// <summary>The label values in the order of the export's keys: a missing key gives "", an extra one is dropped.</summary>
        protected string[] Values(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (keys.Length == 0)
            {
                return [];
            }

            var values = new string[keys.Length];
            for (var k = 0; k < keys.Length; k++)
            {
                values[k] = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == keys[k])
                    {
                        values[k] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
                        break;
                    }
                }
            }

            return values;
        }
    }

    private sealed class IgnoredExport() : Export([], 1)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
        }
    }

    private sealed class CounterExport(Counter counter, string[] keys, double scale, bool cumulative) : Export(keys, scale)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var child = counter.WithLabels(Values(tags));
            if (cumulative)
            {
                // An observable counter reports its running total.
                child.IncTo(value * Scale);
            }
            else if (value > 0)
            {
                child.Inc(value * Scale);
            }
        }
    }

    private sealed class GaugeExport(Gauge gauge, string[] keys, double scale, bool absolute) : Export(keys, scale)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var child = gauge.WithLabels(Values(tags));
            if (absolute)
            {
                child.Set(value * Scale);
            }
            else
            {
                // An up-down counter reports changes.
                child.Inc(value * Scale);
            }
        }
    }

    private sealed class HistogramExport(Histogram histogram, string[] keys, double scale) : Export(keys, scale)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            histogram.WithLabels(Values(tags)).Observe(value * Scale);
    }
}
