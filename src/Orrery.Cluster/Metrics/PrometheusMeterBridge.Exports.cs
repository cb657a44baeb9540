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

        /// <summary>Called after each reading of the observable instruments (a scrape).</summary>
        public virtual void ObservationDone()
        {
        }

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

    /// <summary>
    /// An observable gauge or up-down counter: its callback reports every series it has at each scrape, so a series it no
    /// longer reports (a finished PCA run's error) is removed rather than left at its last value. Recorded only from
    /// <see cref="ObserveInstruments"/>, under its lock.
    /// </summary>
    private sealed class ObservedGaugeExport(Gauge gauge, string[] keys, double scale) : Export(keys, scale)
    {
        private Dictionary<string, string[]> _reported = new(StringComparer.Ordinal);
        private Dictionary<string, string[]> _previous = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = Values(tags);
            gauge.WithLabels(values).Set(value * Scale);
            _reported[string.Join('\u001f', values)] = values;
        }

        public override void ObservationDone()
        {
            foreach (var (key, values) in _previous)
            {
                if (values.Length > 0 && !_reported.ContainsKey(key))
                {
                    gauge.RemoveLabelled(values);
                }
            }

            (_previous, _reported) = (_reported, _previous);
            _reported.Clear();
        }
    }

    private sealed class HistogramExport(Histogram histogram, string[] keys, double scale) : Export(keys, scale)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            histogram.WithLabels(Values(tags)).Observe(value * Scale);
    }
}
