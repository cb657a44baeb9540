namespace Orrery.Cluster.Metrics;

/// <summary>
/// The series of one metric family that share a set of constant labels (meter and instrument
/// tags), fed by one instrument or by several with the same name. Measurements arrive on any
/// thread through <see cref="Record(long, ReadOnlySpan{KeyValuePair{string, object?}})"/>;
/// writing happens under the exporter's scrape lock.
/// </summary>
internal abstract class MetricStream
{
    protected MetricStream(MetricFamily family, TagSet constantLabels)
    {
        Family = family;
        ConstantLabels = constantLabels;
    }

    /// <summary>The family the stream's samples belong to.</summary>
    public MetricFamily Family { get; }

    /// <summary>Labels from the meter's and instrument's tags, on every series of the stream.</summary>
    public TagSet ConstantLabels { get; }

    /// <summary>Instruments feeding the stream; changed under the exporter's registry lock.</summary>
    public int InstrumentCount { get; set; }

    /// <summary>How measurements combine into a series value.</summary>
    public abstract Aggregation Aggregation { get; }

    /// <summary>Records an integral measurement.</summary>
    public abstract void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Records a floating-point measurement.</summary>
    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>
    /// Drops series that should not appear in scrape <paramref name="generation"/> and returns
    /// how many remain.
    /// </summary>
    public abstract int PrepareScrape(long generation);

    /// <summary>Writes the sample lines of every series.</summary>
    public abstract void WriteSamples(PrometheusTextWriter writer);
}
