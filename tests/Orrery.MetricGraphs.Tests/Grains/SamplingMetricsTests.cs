using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orrery.Cluster.Metrics;
using Orrery.Compute;
using Orrery.MetricGraphs.Grains;

namespace Orrery.MetricGraphs.Tests.Grains;

/// <summary>The sampling meter as a silo's <c>/metrics</c> shows it from start, before any job.</summary>
public sealed class SamplingMetricsTests
{
    [Fact]
    public async Task ASiloStartsWithEverySamplingSeriesAtZeroForTheDeviceKindsItHas()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var bridge = new PrometheusMeterBridge(Prometheus.Metrics.NewCustomRegistry(), meter => meter.Scope == factory);
        using var devices = ComputeDevices.Discover("cpu");

        SamplingMetrics.CreateForSilo(factory, devices);
        SamplingMetrics.CreateForSilo(factory, devices); // a second call changes nothing: one set per factory

        using var exposition = new MemoryStream();
        await bridge.WriteAsync(exposition);
        var samples = System.Text.Encoding.UTF8.GetString(exposition.ToArray()).Split('\n').Where(l => l.Length > 0 && l[0] != '#').Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "orrery_sampling_ensemble_replacements_total 0",
                "orrery_sampling_particle_steps_total{device_kind=\"cpu\"} 0",
                "orrery_sampling_particles 0",
                "orrery_sampling_splits_total{device_kind=\"cpu\"} 0",
                "orrery_sampling_truncated_steps_total{device_kind=\"cpu\"} 0",
            ],
            samples);
    }
}
