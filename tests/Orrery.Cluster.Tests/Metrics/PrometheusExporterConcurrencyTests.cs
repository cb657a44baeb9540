namespace Orrery.Cluster.Tests.Metrics;

public sealed class PrometheusExporterConcurrencyTests
{
    private const int Threads = 8;
    private const int AddsPerThread = 100_000;

    [Fact]
    public void Eight_threads_recording_at_once_give_the_exact_totals()
    {
        using var silo = new SiloMeters();
        var meter = silo.CreateMeter();
        var calls = meter.CreateCounter<long>("orrery_grain_calls", description: "Calls.");
        var seconds = meter.CreateCounter<double>("orrery_busy_seconds", description: "Busy time.");
        var latency = meter.CreateHistogram<double>("orrery_latency_seconds", description: "Latency.");
        using var start = new Barrier(Threads);

        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            // Half the threads share a series, so both the shared and the private series are contended with scrapes.
            var grain = t % 2 == 0 ? "echo" : $"grain{t}";
            start.SignalAndWait();
            for (var i = 0; i < AddsPerThread; i++)
            {
                calls.Add(1, new("grain", grain), new("outcome", "ok"));
                seconds.Add(0.5, new("outcome", "ok"), new("grain", grain));
                latency.Record(0.001, new KeyValuePair<string, object?>("grain", grain));
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        while (workers.Any(w => w.IsAlive))
        {
            silo.Exporter.Collect();
        }

        workers.ForEach(w => w.Join());

        // 0.5 and every partial sum below 2^53 are exact in binary floating point.
        Assert.Equal(
            [
                "orrery_grain_calls_total{grain=\"echo\",outcome=\"ok\"} 400000",
                "orrery_grain_calls_total{grain=\"grain1\",outcome=\"ok\"} 100000",
                "orrery_grain_calls_total{grain=\"grain3\",outcome=\"ok\"} 100000",
                "orrery_grain_calls_total{grain=\"grain5\",outcome=\"ok\"} 100000",
                "orrery_grain_calls_total{grain=\"grain7\",outcome=\"ok\"} 100000",
            ],
            silo.Samples("orrery_grain_calls"));
        Assert.Equal("orrery_busy_seconds_total{grain=\"echo\",outcome=\"ok\"} 200000", silo.Samples("orrery_busy_seconds")[0]);
        Assert.Contains("orrery_latency_seconds_count{grain=\"echo\"} 400000", silo.Samples("orrery_latency_seconds"));
        Assert.Contains("orrery_latency_seconds_bucket{grain=\"echo\",le=\"0.001\"} 400000", silo.Samples("orrery_latency_seconds"));
    }

    [Fact]
    public void Recording_into_an_existing_series_allocates_nothing()
    {
        using var silo = new SiloMeters();
        var meter = silo.CreateMeter();
        var calls = meter.CreateCounter<long>("orrery_grain_calls", description: "Calls.");
        var latency = meter.CreateHistogram<double>("orrery_latency_seconds", description: "Latency.");
        var gauge = meter.CreateGauge<int>("orrery_depth", description: "Depth.");

        // Boxed once here: boxing at the call site would be the caller's allocation, not the exporter's.
        object shard = 7;
        Record(1_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Record(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        void Record(int count)
        {
            for (var i = 0; i < count; i++)
            {
                calls.Add(1, new("grain", "echo"), new("silo", "s1"));
                latency.Record(0.002, new("grain", "echo"), new("silo", "s1"));
                gauge.Record(3, new("shard", shard), new("silo", "s1"));
            }
        }
    }
}
