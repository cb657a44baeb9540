using System.Diagnostics.Metrics;
using System.Text;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Tests.OrleansHosting;
using Orrery.Testing;
using Prometheus;

namespace Orrery.Cluster.Tests.Metrics;

/// <summary>
/// System.Diagnostics.Metrics instruments through <see cref="PrometheusMeterBridge"/> into prometheus-net: every kind
/// arrives (counters and histograms included, which prometheus-net's own adapter dropped), in base units, and the
/// output passes <c>promtool check metrics</c>, for Orrery's meters and for a real Orleans silo's.
/// </summary>
public sealed class PrometheusMeterBridgeTests
{
    [Fact]
    public async Task EveryInstrumentKindArrivesInBaseUnits_AndPromtoolAcceptsTheOutput()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry);
        using var meter = new Meter("Orrery.BridgeTest." + Guid.NewGuid().ToString("N"));
        var calls = meter.CreateCounter<long>("orrery_bridge_test_calls", "{call}", "Calls by outcome.");
        var latency = meter.CreateHistogram<double>("orrery-bridge-test-latency", "ms", "Call latency.");
        var inFlight = meter.CreateUpDownCounter<int>("orrery_bridge_test_in_flight", "{call}", "Calls in flight.");
        var queue = 7;
        meter.CreateObservableGauge("orrery_bridge_test_queue", () => queue, "{item}", "Queue length.");
        var total = 0L;
        meter.CreateObservableCounter("orrery_bridge_test_bytes", () => total, "By", "Bytes moved.");

        calls.Add(2, new KeyValuePair<string, object?>("outcome", "ok"));
        calls.Add(1, new KeyValuePair<string, object?>("outcome", "error"));
        latency.Record(0.3); // 300 µs: falls in the 0.0005 s bucket, not the 0.00025 one
        latency.Record(40);
        inFlight.Add(3);
        inFlight.Add(-1);
        total = 4096;

        var text = await ExportAsync(registry);
        Assert.Contains("orrery_bridge_test_calls_total{outcome=\"ok\"} 2", text);
        Assert.Contains("orrery_bridge_test_calls_total{outcome=\"error\"} 1", text);
        Assert.Contains("orrery_bridge_test_latency_seconds_bucket{le=\"0.00025\"} 0", text);
        Assert.Contains("orrery_bridge_test_latency_seconds_bucket{le=\"0.0005\"} 1", text);
        Assert.Contains("orrery_bridge_test_latency_seconds_count 2", text);
        Assert.Contains("orrery_bridge_test_latency_seconds_sum 0.0403", text);
        Assert.Contains("orrery_bridge_test_in_flight 2", text);
        Assert.Contains("orrery_bridge_test_queue 7", text);
        Assert.Contains("orrery_bridge_test_bytes_total 4096", text);

        var (code, output) = await Promtool.CheckMetricsAsync(text);
        Assert.True(code == 0, $"promtool check metrics failed:\n{output}\n{text}");
    }

    [Fact]
    public async Task AnOrleansSilosCountersAndHistogramsArrive_AndPromtoolAcceptsThem()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry);
        await using (var cluster = await OrleansTestCluster.StartAsync([0, 1]))
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => cluster.Client.GetGrain<ICoreWorkGrain>(i).SiloAsync()));
            var text = await ExportAsync(registry);
            var orleans = bridge.ExportedNames.Where(n => n.StartsWith("orleans_", StringComparison.Ordinal)).ToArray();
            Assert.Contains(orleans, n => n.EndsWith("_total", StringComparison.Ordinal));
            Assert.Contains(orleans, n => text.Contains(n + "_bucket{", StringComparison.Ordinal));
            Assert.Contains("orleans_catalog_activations", text);

            var (code, output) = await Promtool.CheckMetricsAsync(text);
            Assert.True(code == 0, $"promtool check metrics failed:\n{output}");
        }
    }

    private static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
