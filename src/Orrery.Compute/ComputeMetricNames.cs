namespace Orrery.Compute;

/// <summary>
/// Instrument names of the compute layer (meter <see cref="Meter"/>), as they appear on <c>/metrics</c>.
/// Dashboards and alerts query these names. A silo without a GPU exports no series for them (the silo's
/// <c>PrometheusMeterBridge</c> creates a metric at its first measurement), so the deployment tests' metric-name check takes
/// <see cref="GpuOnly"/> as names that may be absent on CPU silos.
/// </summary>
public static class ComputeMetricNames
{
    /// <summary>Meter of the compute layer.</summary>
    public const string Meter = "Orrery.Compute";

    /// <summary>Memory in use on a GPU (total minus free), by device ("cuda:0").</summary>
    public const string GpuMemoryUsed = "orrery_gpu_memory_used_bytes";

    /// <summary>Memory of a GPU, by device ("cuda:0").</summary>
    public const string GpuMemoryTotal = "orrery_gpu_memory_total_bytes";

    /// <summary>The names that have series only on silos with a GPU.</summary>
    public static IReadOnlyList<string> GpuOnly { get; } = [GpuMemoryUsed, GpuMemoryTotal];
}
