using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orrery.Cluster.Metrics;
using Orrery.Cluster.Silos;
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
        using var meter = new Meter("Orrery.BridgeTest." + Guid.NewGuid().ToString("N"));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry, m => m == meter);
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
    public async Task AnObservedSeriesItsCallbackNoLongerReportsIsRemovedAtTheNextScrape()
    {
        using var meter = new Meter("Orrery.BridgeTest." + Guid.NewGuid().ToString("N"));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry, m => m == meter);
        var runs = new Dictionary<string, double> { ["a"] = 0.5, ["b"] = 0.25 };
        meter.CreateObservableGauge("orrery_bridge_test_error", () => runs.Select(r => new Measurement<double>(r.Value, new KeyValuePair<string, object?>("run", r.Key))));

        var both = await ExportAsync(registry);
        Assert.Contains("orrery_bridge_test_error{run=\"a\"} 0.5", both);
        Assert.Contains("orrery_bridge_test_error{run=\"b\"} 0.25", both);

        runs.Remove("a");
        runs["b"] = 0.125;
        var one = await ExportAsync(registry);
        Assert.DoesNotContain("run=\"a\"", one, StringComparison.Ordinal);
        Assert.Contains("orrery_bridge_test_error{run=\"b\"} 0.125", one);
    }

    [Fact]
    public async Task AnOrleansSilosCountersHistogramsMembershipAndCallDurationsArrive_AndPromtoolAcceptsThem()
    {
        await using var cluster = await OrleansTestCluster.StartAsync([0, 1], configure: silo => silo.AddOrreryMetrics());
        // This cluster's own meters (other tests' clusters share the process), and Orleans's (presence is all that is asserted of it).
        var factories = cluster.Silos.Select(s => (object)s.ServiceProvider.GetRequiredService<IMeterFactory>()).ToHashSet();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry, m => m.Name == "Microsoft.Orleans" || (m.Scope is { } scope && factories.Contains(scope)));

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => cluster.Client.GetGrain<ICoreWorkGrain>(i).SiloAsync()));
        var text = await ExportAsync(registry);
        var orleans = bridge.ExportedNames.Where(n => n.StartsWith("orleans_", StringComparison.Ordinal)).ToArray();
        Assert.Contains(orleans, n => n.EndsWith("_total", StringComparison.Ordinal));
        Assert.Contains(orleans, n => text.Contains(n + "_bucket{", StringComparison.Ordinal));
        Assert.Contains("orleans_catalog_activations", text);

        // Orrery's silo instruments: every status reported, both silos active in each view; 50 calls timed, in buckets
        // fine enough for a sub-millisecond call.
        Assert.Contains($"{SiloMetricNames.ClusterSilos}{{status=\"active\"}} 2", text);
        Assert.Contains($"{SiloMetricNames.ClusterSilos}{{status=\"dead\"}} 0", text);
        var served = text.Split('\n').Where(l => l.StartsWith(SiloMetricNames.CallDuration + "_count{", StringComparison.Ordinal) && l.Contains("outcome=\"ok\"", StringComparison.Ordinal)).ToList();
        Assert.True(served.Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)) >= 50, text);
        Assert.Contains($"{SiloMetricNames.CallDuration}_bucket{{grain_type=", text);
        Assert.Contains("le=\"0.0001\"", text);

        var (code, output) = await Promtool.CheckMetricsAsync(text);
        Assert.True(code == 0, $"promtool check metrics failed:\n{output}");
    }

    private static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
