using System.Diagnostics.Metrics;
using System.Globalization;
using Orrery.Cluster.Metrics;

namespace Orrery.Cluster.Tests.Metrics;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void Counter_sums_per_tag_set_and_tag_order_does_not_split_series()
    {
        using var silo = new SiloMeters();
        var calls = silo.CreateMeter("Orrery.Grains").CreateCounter<long>("orrery_grain_calls", description: "Grain calls completed.");

        calls.Add(2, new("grain", "echo"), new("outcome", "ok"));
        calls.Add(3, new("outcome", "ok"), new("grain", "echo"));
        calls.Add(1, new("grain", "chain"), new("outcome", "error"));

        Assert.Equal(
            SiloMeters.Text(
                "# HELP orrery_grain_calls_total Grain calls completed.",
                "# TYPE orrery_grain_calls_total counter",
                "orrery_grain_calls_total{grain=\"chain\",outcome=\"error\"} 1",
                "orrery_grain_calls_total{grain=\"echo\",outcome=\"ok\"} 5"),
            silo.Exporter.Collect());
    }

    [Fact]
    public void Series_found_by_string_identity_and_by_text_are_the_same_series()
    {
        using var silo = new SiloMeters();
        var calls = silo.CreateMeter("Orrery.Grains").CreateCounter<long>("orrery_grain_calls", description: "Grain calls completed.");
        string[] grains = ["echo", "chain", "tensor"];

        // The same instances again and again (the identity fast path), copies with the same text, and more
        // label sets than the recent slots hold, interleaved; a boxed number as a value takes the dictionary.
        for (var i = 0; i < 300; i++)
        {
            var grain = grains[i % 3];
            calls.Add(1, new("grain", grain), new("outcome", "ok"));
            calls.Add(1, new("grain", new string(grain.AsSpan())), new("outcome", "ok"));
            calls.Add(1, new("grain", $"g{i % 12}"), new("outcome", "ok"));
            calls.Add(1, new("grain", grain), new("outcome", i % 10));
        }

        var text = silo.Exporter.Collect();
        Assert.Contains("orrery_grain_calls_total{grain=\"echo\",outcome=\"ok\"} 200\n", text);
        Assert.Contains("orrery_grain_calls_total{grain=\"tensor\",outcome=\"ok\"} 200\n", text);
        Assert.Contains("orrery_grain_calls_total{grain=\"g11\",outcome=\"ok\"} 25\n", text);
        Assert.Contains("orrery_grain_calls_total{grain=\"echo\",outcome=\"3\"} 10\n", text);
    }

    [Fact]
    public void Counter_names_get_total_once_and_dotted_names_are_sanitised()
    {
        using var silo = new SiloMeters();
        var meter = silo.CreateMeter("Orrery.Transport");
        meter.CreateCounter<double>("orrery.transport.bytes_sent", description: "Bytes sent.").Add(0.75);
        meter.CreateCounter<int>("orrery_transport_frames_total", description: "Frames sent.").Add(4);
        meter.CreateCounter<long>("orrery_negative", description: "Negative adds are dropped.").Add(-5);

        var text = silo.Exporter.Collect();

        Assert.Contains("\n# TYPE orrery_transport_bytes_sent_total counter\norrery_transport_bytes_sent_total 0.75\n", text);
        Assert.Contains("\n# TYPE orrery_transport_frames_total counter\norrery_transport_frames_total 4\n", text);
        Assert.DoesNotContain("_total_total", text);
        Assert.DoesNotContain("orrery_negative", text);
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_with_inclusive_bounds_sum_and_count()
    {
        using var silo = new SiloMeters();
        var duration = silo.CreateMeter().CreateHistogram<double>(
            "orrery_grain_call_duration_seconds",
            unit: "s",
            description: "Grain call duration.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.125, 1, 8] });

        // Powers of two so the sum is exact: 0.0625 + 0.125 + 0.5 + 4 + 64 = 68.6875.
        foreach (var seconds in new[] { 0.0625, 0.125, 0.5, 4, 64 })
        {
            duration.Record(seconds, new KeyValuePair<string, object?>("grain", "echo"));
        }

        Assert.Equal(
            SiloMeters.Text(
                "# HELP orrery_grain_call_duration_seconds Grain call duration.",
                "# TYPE orrery_grain_call_duration_seconds histogram",
                "orrery_grain_call_duration_seconds_bucket{grain=\"echo\",le=\"0.125\"} 2",
                "orrery_grain_call_duration_seconds_bucket{grain=\"echo\",le=\"1\"} 3",
                "orrery_grain_call_duration_seconds_bucket{grain=\"echo\",le=\"8\"} 4",
                "orrery_grain_call_duration_seconds_bucket{grain=\"echo\",le=\"+Inf\"} 5",
                "orrery_grain_call_duration_seconds_sum{grain=\"echo\"} 68.6875",
                "orrery_grain_call_duration_seconds_count{grain=\"echo\"} 5"),
            silo.Exporter.Collect());
    }

    [Fact]
    public void Histogram_without_advice_uses_default_second_buckets()
    {
        using var silo = new SiloMeters();
        silo.CreateMeter().CreateHistogram<double>("orrery_wait_seconds", description: "Wait.").Record(0.003);

        var buckets = silo.Samples("orrery_wait_seconds_bucket");

        string[] le = ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];
        Assert.Equal(le.Select(b => $"orrery_wait_seconds_bucket{{le=\"{b}\"}} {(b is "0.0001" or "0.00025" or "0.0005" or "0.001" or "0.0025" ? 0 : 1)}"), buckets);
    }

    [Fact]
    public void Histogram_default_buckets_come_from_options_and_le_tag_is_renamed()
    {
        using var silo = new SiloMeters(new PrometheusExporterOptions { IncludeProcessMetrics = false, HistogramBucketBoundaries = [10, 100] });
        var size = silo.CreateMeter().CreateHistogram<long>("orrery_message_size_bytes", description: "Message size.");

        size.Record(10, new KeyValuePair<string, object?>("le", "x"));
        size.Record(50, new KeyValuePair<string, object?>("le", "x"));
        size.Record(500, new KeyValuePair<string, object?>("le", "x"));

        Assert.Equal(
            [
                "orrery_message_size_bytes_bucket{tag_le=\"x\",le=\"10\"} 1",
                "orrery_message_size_bytes_bucket{tag_le=\"x\",le=\"100\"} 2",
                "orrery_message_size_bytes_bucket{tag_le=\"x\",le=\"+Inf\"} 3",
                "orrery_message_size_bytes_sum{tag_le=\"x\"} 560",
                "orrery_message_size_bytes_count{tag_le=\"x\"} 3",
            ],
            silo.Samples("orrery_message_size_bytes"));
    }

    [Fact]
    public void Label_values_and_help_are_escaped()
    {
        using var silo = new SiloMeters();
        var counter = silo.CreateMeter().CreateCounter<long>("orrery_escapes", description: "Back\\slash, \"quotes\" and\nnewline.");

        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"x\"\nnext"));

        Assert.Equal(
            SiloMeters.Text(
                "# HELP orrery_escapes_total Back\\\\slash, \"quotes\" and\\nnewline.",
                "# TYPE orrery_escapes_total counter",
                "orrery_escapes_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1"),
            silo.Exporter.Collect());
    }

    [Fact]
    public void Tag_keys_are_sanitised_and_values_formatted_invariantly()
    {
        using var silo = new SiloMeters();
        var counter = silo.CreateMeter().CreateCounter<long>("orrery_tagged", description: "Tagged.");

        counter.Add(1, new("grain.type", "echo"), new("attempt", 2), new("retried", true), new("__hidden", null), new("1st", 1.5));

        Assert.Equal(
            ["orrery_tagged_total{attempt=\"2\",grain_type=\"echo\",retried=\"true\",tag_1st=\"1.5\",tag___hidden=\"\"} 1"],
            silo.Samples("orrery_tagged"));
    }

    [Fact]
    public void Values_that_format_alike_share_a_series()
    {
        using var silo = new SiloMeters();
        var counter = silo.CreateMeter().CreateCounter<long>("orrery_shared", description: "Shared.");

        counter.Add(1, new KeyValuePair<string, object?>("shard", 7));
        counter.Add(1, new KeyValuePair<string, object?>("shard", 7L));
        counter.Add(1, new KeyValuePair<string, object?>("shard", "7"));

        Assert.Equal(["orrery_shared_total{shard=\"7\"} 3"], silo.Samples("orrery_shared"));
    }

    [Fact]
    public void Gauges_keep_the_last_value_and_up_down_counters_sum()
    {
        using var silo = new SiloMeters();
        var meter = silo.CreateMeter();
        var gauge = meter.CreateGauge<double>("orrery_queue_depth", description: "Queue depth.");
        var active = meter.CreateUpDownCounter<int>("orrery_grain_activations", description: "Active grains.");

        gauge.Record(3);
        gauge.Record(7.5);
        active.Add(5);
        active.Add(-2);

        Assert.Equal(
            SiloMeters.Text(
                "# HELP orrery_grain_activations Active grains.",
                "# TYPE orrery_grain_activations gauge",
                "orrery_grain_activations 3",
                "# HELP orrery_queue_depth Queue depth.",
                "# TYPE orrery_queue_depth gauge",
                "orrery_queue_depth 7.5"),
            silo.Exporter.Collect());
    }

    [Fact]
    public void Observable_instruments_are_read_at_scrape_time_and_unreported_series_disappear()
    {
        using var silo = new SiloMeters();
        var meter = silo.CreateMeter();
        var silos = new List<string> { "a", "b" };
        long bytes = 100;
        meter.CreateObservableGauge("orrery_silo_load", () => silos.Select(s => new Measurement<double>(0.5, new KeyValuePair<string, object?>("silo", s))), description: "Load.");
        meter.CreateObservableCounter("orrery_bytes_received", () => bytes, description: "Bytes received.");
        meter.CreateObservableUpDownCounter("orrery_connections", () => 4, description: "Open connections.");

        Assert.Equal(["orrery_silo_load{silo=\"a\"} 0.5", "orrery_silo_load{silo=\"b\"} 0.5"], silo.Samples("orrery_silo_load"));
        Assert.Contains("# TYPE orrery_bytes_received_total counter\norrery_bytes_received_total 100\n", silo.Exporter.Collect());

        silos.Remove("a");
        bytes = 250;
        var text = silo.Exporter.Collect();

        Assert.Contains("\norrery_silo_load{silo=\"b\"} 0.5\n", text);
        Assert.DoesNotContain("silo=\"a\"", text);
        Assert.Contains("\norrery_bytes_received_total 250\n", text);
        Assert.Contains("# TYPE orrery_connections gauge\norrery_connections 4\n", text);
    }

    [Fact]
    public void Two_silos_in_one_process_do_not_see_each_others_instruments()
    {
        using var first = new SiloMeters();
        using var second = new SiloMeters();
        first.CreateMeter("Orrery.Grains").CreateCounter<long>("orrery_grain_calls", description: "Calls.").Add(1);
        second.CreateMeter("Orrery.Grains").CreateCounter<long>("orrery_grain_calls", description: "Calls.").Add(20);
        second.CreateMeter("Orrery.Transport").CreateCounter<long>("orrery_frames", description: "Frames.").Add(3);

        Assert.Equal(["orrery_grain_calls_total 1"], first.Samples("orrery_"));
        Assert.Equal(["orrery_frames_total 3", "orrery_grain_calls_total 20"], second.Samples("orrery_"));
    }

    [Fact]
    public void Only_meters_with_the_prefix_in_the_scope_are_exported()
    {
        using var silo = new SiloMeters();
        using var unscoped = new Meter("Orrery.Unscoped");
        unscoped.CreateCounter<long>("orrery_unscoped", description: "Unscoped.").Add(1);
        silo.CreateMeter("System.Net.Http").CreateCounter<long>("orrery_foreign", description: "Foreign.").Add(1);
        silo.CreateMeter("Orrery.Grains").CreateCounter<long>("orrery_own", description: "Own.").Add(1);

        Assert.Equal(["orrery_own_total 1"], silo.Samples("orrery_"));

        using var custom = new SiloMeters(new PrometheusExporterOptions { MeterNamePrefix = "Custom", IncludeProcessMetrics = false });
        custom.CreateMeter("Custom.Meter").CreateCounter<long>("custom_calls", description: "Custom.").Add(1);
        custom.CreateMeter("Orrery.Grains").CreateCounter<long>("orrery_own", description: "Own.").Add(1);

        Assert.Equal(["custom_calls_total 1"], custom.Samples("custom_"));
        Assert.Empty(custom.Samples("orrery_"));
    }

    [Fact]
    public void Meter_and_instrument_tags_become_labels_that_measurement_tags_override()
    {
        using var silo = new SiloMeters();
        var meter = silo.Factory.Create(new MeterOptions("Orrery.Grains") { Tags = [new("silo", "s1"), new("zone", "z")] });
        var counter = meter.CreateCounter<long>("orrery_tagged_calls", unit: null, description: "Calls.", tags: [new("zone", "instrument")]);

        counter.Add(1, new KeyValuePair<string, object?>("grain", "echo"));
        counter.Add(1, new KeyValuePair<string, object?>("zone", "measured"));

        Assert.Equal(
            [
                "orrery_tagged_calls_total{grain=\"echo\",silo=\"s1\",zone=\"instrument\"} 1",
                "orrery_tagged_calls_total{silo=\"s1\",zone=\"measured\"} 1",
            ],
            silo.Samples("orrery_tagged_calls"));
    }

    [Fact]
    public void Instrument_name_taken_by_another_type_is_not_exported()
    {
        using var silo = new SiloMeters();
        var meter = silo.CreateMeter();
        meter.CreateCounter<long>("orrery_clash", description: "Counter.").Add(2);
        meter.CreateGauge<long>("orrery_clash_total", description: "Gauge.").Record(9);

        var text = silo.Exporter.Collect();

        Assert.Equal(1, text.Split('\n').Count(l => l.StartsWith("# TYPE orrery_clash_total", StringComparison.Ordinal)));
        Assert.Contains("# TYPE orrery_clash_total counter\norrery_clash_total 2\n", text);
    }

    [Fact]
    public void Instruments_with_the_same_name_in_two_meters_share_the_series()
    {
        using var silo = new SiloMeters();
        silo.CreateMeter("Orrery.A").CreateCounter<long>("orrery_messages", description: "Messages.").Add(2);
        silo.CreateMeter("Orrery.B").CreateCounter<int>("orrery_messages", description: "Messages.").Add(3);

        Assert.Equal(["orrery_messages_total 5"], silo.Samples("orrery_messages"));
    }

    [Fact]
    public void Special_doubles_and_culture()
    {
        using var silo = new SiloMeters();
        var gauge = silo.CreateMeter().CreateGauge<double>("orrery_special", description: "Special values.");
        gauge.Record(double.NaN, new KeyValuePair<string, object?>("v", "nan"));
        gauge.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("v", "pinf"));
        gauge.Record(double.NegativeInfinity, new KeyValuePair<string, object?>("v", "ninf"));
        gauge.Record(1e-7, new KeyValuePair<string, object?>("v", "small"));
        gauge.Record(1234.5, new KeyValuePair<string, object?>("v", "x"));

        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        var saved = CultureInfo.CurrentCulture;
        string[] samples;
        try
        {
            CultureInfo.CurrentCulture = comma;
            samples = silo.Samples("orrery_special");
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        Assert.Equal(
            [
                "orrery_special{v=\"nan\"} NaN",
                "orrery_special{v=\"ninf\"} -Inf",
                "orrery_special{v=\"pinf\"} +Inf",
                "orrery_special{v=\"small\"} 1E-07",
                "orrery_special{v=\"x\"} 1234.5",
            ],
            samples);
    }

    [Fact]
    public void Families_appear_once_sorted_with_help_and_type_before_samples()
    {
        using var silo = new SiloMeters(new PrometheusExporterOptions());
        var meter = silo.CreateMeter();
        meter.CreateCounter<long>("orrery_zeta", description: "Z.").Add(1, new KeyValuePair<string, object?>("k", "b"));
        meter.CreateCounter<long>("orrery_zeta", description: "Z.").Add(1, new KeyValuePair<string, object?>("k", "a"));
        meter.CreateHistogram<double>("orrery_alpha_seconds", description: "A.").Record(1);
        meter.CreateGauge<int>("orrery_mid", description: "M.").Record(1);

        var lines = silo.Exporter.Collect().TrimEnd('\n').Split('\n');

        var families = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var name = lines[i].Split(' ')[2];
                Assert.StartsWith($"# TYPE {name} ", lines[i + 1]);
                Assert.StartsWith(name, lines[i + 2]);
                families.Add(name);
            }
            else if (!lines[i].StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                Assert.StartsWith(families[^1], lines[i]);
            }
        }

        Assert.Equal(families.Distinct().Order(StringComparer.Ordinal), families);
        Assert.Contains("process_cpu_seconds_total", families);
        Assert.Equal(["orrery_zeta_total{k=\"a\"} 1", "orrery_zeta_total{k=\"b\"} 1"], silo.Samples("orrery_zeta"));
    }

    [Fact]
    public void Process_metrics_use_standard_names_and_types()
    {
        using var silo = new SiloMeters(new PrometheusExporterOptions());

        var text = silo.Exporter.Collect();

        string[] expected =
        [
            "# TYPE dotnet_gc_collections_total counter",
            "# TYPE dotnet_gc_heap_size_bytes gauge",
            "# TYPE dotnet_threadpool_threads gauge",
            "# TYPE process_cpu_seconds_total counter",
            "# TYPE process_resident_memory_bytes gauge",
            "# TYPE process_start_time_seconds gauge",
            "# TYPE process_virtual_memory_bytes gauge",
        ];
        Assert.All(expected, line => Assert.Contains("\n" + line + "\n", text));
        Assert.Contains("\ndotnet_gc_collections_total{generation=\"0\"} ", text);
        Assert.Contains("\ndotnet_gc_collections_total{generation=\"2\"} ", text);
        if (Directory.Exists("/proc/self/fd"))
        {
            Assert.Matches(@"\nprocess_open_fds [1-9][0-9]*\n", text);
        }

        var start = double.Parse(silo.Samples("process_start_time_seconds").Single().Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.InRange(start, DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var resident = double.Parse(silo.Samples("process_resident_memory_bytes").Single().Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(resident > 1 << 20, $"resident memory {resident} B");
    }

    [Fact]
    public void Stopped_silo_instruments_disappear()
    {
        using var silo = new SiloMeters();
        silo.CreateMeter().CreateCounter<long>("orrery_calls", description: "Calls.").Add(1);
        Assert.Equal(["orrery_calls_total 1"], silo.Samples("orrery_"));

        silo.StopSilo();

        Assert.Empty(silo.Samples("orrery_"));
    }

    [Fact]
    public void Output_to_buffer_writer_and_stream_matches_collect()
    {
        using var silo = new SiloMeters();
        silo.CreateMeter().CreateCounter<long>("orrery_calls", description: "Calls \u00e9t\u00e9.").Add(1, new KeyValuePair<string, object?>("grain", "\u00e9cho"));
        var expected = silo.Exporter.Collect();

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        silo.Exporter.WriteTo(buffer);
        using var stream = new MemoryStream();
        silo.Exporter.WriteTo(stream);

        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", PrometheusExporter.ContentType);
    }

    [Fact]
    public void Disposed_exporter_refuses_to_write()
    {
        var silo = new SiloMeters();
        silo.Dispose();

        Assert.Throws<ObjectDisposedException>(() => silo.Exporter.Collect());
    }

    [Fact]
    public void Invalid_bucket_boundaries_are_rejected_with_the_setting_named()
    {
        var options = new PrometheusExporterOptions { HistogramBucketBoundaries = [1, 0.5] };

        var error = Assert.Throws<ArgumentException>(() => new PrometheusExporter(new object(), options));

        Assert.Equal("Orrery:Metrics:Prometheus:HistogramBucketBoundaries is [1, 0.5]; it must be finite and strictly increasing (+Inf is added by the exporter)", error.Message);
    }
}
