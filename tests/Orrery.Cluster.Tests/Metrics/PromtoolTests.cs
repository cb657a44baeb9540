using System.Diagnostics.Metrics;
using System.Text;
using Orrery.Cluster.Metrics;
using Orrery.Testing;

namespace Orrery.Cluster.Tests.Metrics;

/// <summary>
/// Checks a silo's <c>/metrics</c> as <see cref="PrometheusMeterBridge.WithProcessMetrics"/> builds it (prometheus-net's
/// process collectors and the bridged meters) with Prometheus's own linter, <c>promtool check metrics</c>. The test
/// command installs promtool (Debian package <c>prometheus</c>), so this test never skips.
/// </summary>
public sealed class PromtoolTests
{
    [Fact]
    public async Task Promtool_accepts_the_output_without_problems()
    {
        using var meter = new Meter("Orrery.PromtoolTest." + Guid.NewGuid().ToString("N"));
        using var bridge = PrometheusMeterBridge.WithProcessMetrics(m => m == meter);
        meter.CreateCounter<long>("orrery_grain_calls", description: "Grain calls completed.")
            .Add(3, new("grain.type", "echo"), new("outcome", "ok"));
        meter.CreateHistogram<double>("orrery_grain_call_duration", unit: "s", description: "Grain call duration.")
            .Record(0.004, new KeyValuePair<string, object?>("grain", "echo\"\\\nx"));
        meter.CreateHistogram<long>("orrery_message_size", "By", "Message size.", null, new InstrumentAdvice<long> { HistogramBucketBoundaries = [64, 1024] })
            .Record(100, new KeyValuePair<string, object?>("le", "tag"));
        meter.CreateUpDownCounter<int>("orrery_grain_activations", description: "Active grains.").Add(2, new KeyValuePair<string, object?>("messageDirection", "in"));
        meter.CreateGauge<double>("orrery_queue_depth", description: "Queue depth.").Record(double.NaN);
        meter.CreateCounter<long>("orrery.transport.bytes_sent", "By", "Bytes sent.").Add(1024);
        meter.CreateObservableGauge("orrery-transport-connections", () => new Measurement<int>(2, new KeyValuePair<string, object?>("peer", "s2")), description: "Open connections.");
        meter.CreateObservableGauge("orrery-available-memory", () => 512L, "MB");
        meter.CreateObservableCounter("orrery_transport_frames_received", () => 10L);

        var output = await ExportAsync(bridge);
        var (code, problems) = await Promtool.CheckMetricsAsync(output);

        Assert.True(code == 0 && problems.Length == 0, $"promtool check metrics exited {code}\n{problems}\ninput:\n{output}");
        // The process collectors the dashboard reads, and the bridged meter, are both in the one registry.
        Assert.Contains("\nprocess_cpu_seconds_total ", output, StringComparison.Ordinal);
        Assert.Contains("\nprocess_working_set_bytes ", output, StringComparison.Ordinal);
        Assert.Contains("dotnet_total_memory_bytes ", output, StringComparison.Ordinal);
        Assert.Contains("orrery_available_memory_bytes 536870912", output, StringComparison.Ordinal);
        Assert.Contains("orrery_message_size_bytes_bucket{tag_le=\"tag\",le=\"64\"} 0", output, StringComparison.Ordinal);
        Assert.Contains("orrery_grain_activations{message_direction=\"in\"} 2", output, StringComparison.Ordinal);
    }

    private static async Task<string> ExportAsync(PrometheusMeterBridge bridge)
    {
        using var stream = new MemoryStream();
        await bridge.WriteAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
