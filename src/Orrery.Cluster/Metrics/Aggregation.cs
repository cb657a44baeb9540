namespace Orrery.Cluster.Metrics;

/// <summary>How a stream turns measurements into the value of a series.</summary>
internal enum Aggregation
{
    /// <summary>Sum of measurements, negative ones dropped (Counter).</summary>
    MonotonicSum,

    /// <summary>Sum of measurements (UpDownCounter).</summary>
    Sum,

    /// <summary>Last measurement, kept until overwritten (Gauge).</summary>
    LastValue,

    /// <summary>Last value reported during the current scrape; series not reported are dropped (observable instruments).</summary>
    ObservedValue,

    /// <summary>Bucket counts, sum and count (Histogram).</summary>
    Histogram,
}
