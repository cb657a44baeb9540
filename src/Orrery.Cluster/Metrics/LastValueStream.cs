namespace Orrery.Cluster.Metrics;

/// <summary>
/// Keeps the last value per series. For Gauge the value stays until overwritten; for observable
/// instruments (and the exporter's process metrics) a series appears only in the scrapes in which
/// its callback reported it, so a series that stops being reported disappears.
/// </summary>
internal sealed class LastValueStream : MetricStream
{
    private readonly SeriesMap<Series> _series = new(static () => new Series(), reserveLe: false);
    private readonly ScrapeClock? _observedIn;

    /// <param name="family">The family the samples belong to.</param>
    /// <param name="constantLabels">Meter and instrument tags.</param>
    /// <param name="observedIn">For observable instruments, the clock of the scrapes that observe them; <see langword="null"/> for Gauge.</param>
    public LastValueStream(MetricFamily family, TagSet constantLabels, ScrapeClock? observedIn)
        : base(family, constantLabels)
    {
        _observedIn = observedIn;
    }

    /// <inheritdoc />
    public override Aggregation Aggregation => _observedIn is null ? Aggregation.LastValue : Aggregation.ObservedValue;

    /// <inheritdoc />
    /// <remarks>Kept as a double: exact up to 2^53 (9 PB as a byte count), which covers gauges.</remarks>
    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

    /// <inheritdoc />
    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = _series.GetOrAdd(tags);
        Volatile.Write(ref series.Value, value);
        if (_observedIn is not null)
        {
            Volatile.Write(ref series.Generation, _observedIn.Generation);
        }
    }

    /// <inheritdoc />
    public override int PrepareScrape(long generation)
    {
        if (_observedIn is null)
        {
            return _series.Count;
        }

        var live = 0;
        foreach (var (labels, series) in _series.SnapshotSorted())
        {
            if (Volatile.Read(ref series.Generation) == generation)
            {
                live++;
            }
            else
            {
                _series.Remove(labels);
            }
        }

        return live;
    }

    /// <inheritdoc />
    public override void WriteSamples(PrometheusTextWriter writer)
    {
        var name = Family.Name;
        foreach (var (labels, series) in _series.SnapshotSorted())
        {
            writer.WriteSample(name, [], ConstantLabels, labels, null, Volatile.Read(ref series.Value));
        }
    }

    private sealed class Series
    {
        public double Value;
        public long Generation;
    }
}
