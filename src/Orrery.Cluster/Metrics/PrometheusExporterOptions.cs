using System.Globalization;

namespace Orrery.Cluster.Metrics;

/// <summary>Options of <see cref="PrometheusExporter"/>.</summary>
public sealed class PrometheusExporterOptions
{
    /// <summary>Configuration section the options are bound from: <c>Orrery:Metrics:Prometheus</c>.</summary>
    public const string SectionName = "Orrery:Metrics:Prometheus";

    /// <summary>
    /// Bucket boundaries used for histograms whose instrument gives no advice: 16 boundaries from
    /// 0.1 ms to 10 s (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    /// 0.25, 0.5, 1, 2.5, 5, 10), suited to durations in seconds.
    /// </summary>
    public static IReadOnlyList<double> DefaultHistogramBucketBoundaries { get; } =
        Array.AsReadOnly([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

    /// <summary>
    /// Only meters whose name starts with this text (ordinal, case-sensitive) are exported, among
    /// those of the exporter's meter scope. Default: <c>Orrery</c>. Empty exports every meter of
    /// the scope.
    /// </summary>
    public string MeterNamePrefix { get; set; } = "Orrery";

    /// <summary>
    /// Upper bounds of histogram buckets for instruments that give no bucket advice
    /// (<c>InstrumentAdvice.HistogramBucketBoundaries</c>); finite and strictly increasing, the
    /// <c>+Inf</c> bucket is always added. Default: <see langword="null"/>, which means
    /// <see cref="DefaultHistogramBucketBoundaries"/> (16 boundaries from 0.1 ms to 10 s). Null
    /// rather than a filled list so that binding from configuration replaces the default instead
    /// of appending to it.
    /// </summary>
    public IReadOnlyList<double>? HistogramBucketBoundaries { get; set; }

    /// <summary>
    /// Whether the exporter writes process and runtime metrics (<c>process_cpu_seconds_total</c>,
    /// <c>process_resident_memory_bytes</c>, <c>dotnet_gc_heap_size_bytes</c>, ...) alongside
    /// the instruments. Default: <see langword="true"/>. Several silos in one process each write
    /// the same process values.
    /// </summary>
    public bool IncludeProcessMetrics { get; set; } = true;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first invalid setting and what it must be.
    /// </summary>
    public void Validate()
    {
        if (MeterNamePrefix is null)
        {
            throw new ArgumentException($"{SectionName}:{nameof(MeterNamePrefix)} is null; it must be a meter name prefix such as \"Orrery\", or empty for every meter");
        }

        if (HistogramBucketBoundaries is { } boundaries)
        {
            for (var i = 0; i < boundaries.Count; i++)
            {
                if (!double.IsFinite(boundaries[i]) || (i > 0 && boundaries[i] <= boundaries[i - 1]))
                {
                    var shown = string.Join(", ", boundaries.Select(b => b.ToString(CultureInfo.InvariantCulture)));
                    throw new ArgumentException($"{SectionName}:{nameof(HistogramBucketBoundaries)} is [{shown}]; it must be finite and strictly increasing (+Inf is added by the exporter)");
                }
            }
        }
    }
}
