namespace Orrery.Cluster.Metrics;

/// <summary>The Prometheus metric type written on a family's <c># TYPE</c> line.</summary>
internal enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}
