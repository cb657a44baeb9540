namespace Orrery.Cluster.Metrics;

/// <summary>
/// One Prometheus metric family: a name, its <c># HELP</c> text and <c># TYPE</c>, and the streams
/// that write its samples. Instruments whose names map to the same family name and type share it.
/// Mutated only under the exporter's registry lock.
/// </summary>
internal sealed class MetricFamily
{
    public MetricFamily(string name, string help, MetricType type, bool isExporterOwned)
    {
        Name = name;
        Help = help;
        Type = type;
        IsExporterOwned = isExporterOwned;
    }

    /// <summary>Exposed name, <c>_total</c> included for counters.</summary>
    public string Name { get; }

    /// <summary>Text of the <c># HELP</c> line.</summary>
    public string Help { get; set; }

    /// <summary>Prometheus type.</summary>
    public MetricType Type { get; }

    /// <summary>Written by the exporter itself (process metrics); no instrument may join it.</summary>
    public bool IsExporterOwned { get; }

    /// <summary>Streams, one per distinct set of constant labels.</summary>
    public List<MetricStream> Streams { get; } = [];
}
