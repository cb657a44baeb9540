namespace Orrery.Cluster.Metrics;

/// <summary>
/// Sums measurements per series: Counter (monotonic, exposed as a Prometheus counter) and
/// UpDownCounter (exposed as a gauge). Integral measurements add with one interlocked add;
/// floating-point ones with a compare-and-swap loop.
/// </summary>
internal sealed class SumStream : MetricStream
{
    private readonly SeriesMap<Series> _series = new(static () => new Series(), reserveLe: false);
    private readonly bool _monotonic;

    public SumStream(MetricFamily family, TagSet constantLabels, bool monotonic)
        : base(family, constantLabels)
    {
        _monotonic = monotonic;
    }

    /// <inheritdoc />
    public override Aggregation Aggregation => _monotonic ? Aggregation.MonotonicSum : Aggregation.Sum;

    /// <inheritdoc />
    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // A Prometheus counter must never go down; a negative add to a Counter is a caller bug.
        if (_monotonic && value < 0)
        {
            return;
        }

        var series = _series.GetOrAdd(tags);
        Interlocked.Add(ref series.Integral, value);
    }

    /// <inheritdoc />
    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value) || (_monotonic && value < 0))
        {
            return;
        }

        var series = _series.GetOrAdd(tags);
        var current = Volatile.Read(ref series.Floating);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref series.Floating, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }

    /// <inheritdoc />
    public override int PrepareScrape(long generation) => _series.Count;

    /// <inheritdoc />
    public override void WriteSamples(PrometheusTextWriter writer)
    {
        var name = Family.Name;
        foreach (var (labels, series) in _series.SnapshotSorted())
        {
            var integral = Interlocked.Read(ref series.Integral);
            var floating = Volatile.Read(ref series.Floating);
            if (floating == 0)
            {
                // Exact for integral instruments, whatever the magnitude.
                writer.WriteSample(name, [], ConstantLabels, labels, null, integral);
            }
            else
            {
                writer.WriteSample(name, [], ConstantLabels, labels, null, integral + floating);
            }
        }
    }

    private sealed class Series
    {
        public long Integral;
        public double Floating;
    }
}
