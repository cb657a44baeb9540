namespace Orrery.Cluster.Metrics;

/// <summary>
/// Counts measurements into buckets per series and writes them as a Prometheus histogram:
/// cumulative <c>_bucket</c> lines ending with <c>le="+Inf"</c>, then <c>_sum</c> and
/// <c>_count</c>. A measurement equal to a boundary falls into that boundary's bucket (Prometheus'
/// <c>le</c> is inclusive). Each series has its own small lock, held for one increment and one add.
/// </summary>
internal sealed class HistogramStream : MetricStream
{
    // Past this many boundaries a binary search beats the linear scan.
    private const int LinearSearchLimit = 16;

    private readonly SeriesMap<Series> _series;
    private readonly double[] _boundaries;
    private readonly string[] _le;

    /// <param name="family">The family the samples belong to.</param>
    /// <param name="constantLabels">Meter and instrument tags.</param>
    /// <param name="boundaries">Finite, strictly increasing upper bounds; <c>+Inf</c> is implied.</param>
    public HistogramStream(MetricFamily family, TagSet constantLabels, double[] boundaries)
        : base(family, constantLabels)
    {
        _boundaries = boundaries;
        _le = [.. boundaries.Select(PrometheusTextWriter.FormatDouble), "+Inf"];
        var buckets = boundaries.Length + 1;
        _series = new SeriesMap<Series>(() => new Series(buckets), reserveLe: true);
    }

    /// <inheritdoc />
    public override Aggregation Aggregation => Aggregation.Histogram;

    /// <inheritdoc />
    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

    /// <inheritdoc />
    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        var bucket = BucketOf(value);
        var series = _series.GetOrAdd(tags);
        lock (series.Lock)
        {
            series.Buckets[bucket]++;
            series.Sum += value;
        }
    }

    /// <inheritdoc />
    public override int PrepareScrape(long generation) => _series.Count;

    /// <inheritdoc />
    public override void WriteSamples(PrometheusTextWriter writer)
    {
        var name = Family.Name;
        var buckets = new long[_le.Length];
        foreach (var (labels, series) in _series.SnapshotSorted())
        {
            double sum;
            lock (series.Lock)
            {
                series.Buckets.CopyTo(buckets, 0);
                sum = series.Sum;
            }

            long cumulative = 0;
            for (var i = 0; i < buckets.Length; i++)
            {
                cumulative += buckets[i];
                writer.WriteSample(name, "_bucket"u8, ConstantLabels, labels, _le[i], cumulative);
            }

            writer.WriteSample(name, "_sum"u8, ConstantLabels, labels, null, sum);
            writer.WriteSample(name, "_count"u8, ConstantLabels, labels, null, cumulative);
        }
    }

    /// <summary>Index of the first bucket whose upper bound is at least <paramref name="value"/>.</summary>
    private int BucketOf(double value)
    {
        var boundaries = _boundaries;
        if (boundaries.Length <= LinearSearchLimit)
        {
            for (var i = 0; i < boundaries.Length; i++)
            {
                if (value <= boundaries[i])
                {
                    return i;
                }
            }

            return boundaries.Length;
        }

        int low = 0, high = boundaries.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (boundaries[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private sealed class Series
    {
        public Series(int buckets)
        {
            Buckets = new long[buckets];
        }

        public Lock Lock { get; } = new();

        public long[] Buckets { get; }

        public double Sum;
    }
}
