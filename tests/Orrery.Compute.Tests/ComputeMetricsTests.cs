using System.Diagnostics.Metrics;
using Orrery.Compute.Cuda;

namespace Orrery.Compute.Tests;

/// <summary>
/// The GPU memory gauges: the conversion from driver reads to labelled measurements, and what a silo's
/// listener sees with the devices this machine has (none in CI: the gauges exist and report nothing).
/// </summary>
public sealed class ComputeMetricsTests
{
    [Fact]
    public void ReadsBecomeOneMeasurementPerDeviceLabelledWithItsNameAndModel()
    {
        (string, string, GpuMemoryInfo)[] reads =
        [
            ("cuda:0", "NVIDIA H100 80GB HBM3", new GpuMemoryInfo(FreeBytes: 60L << 30, TotalBytes: 80L << 30)),
            ("cuda:1", "NVIDIA H100 80GB HBM3", new GpuMemoryInfo(FreeBytes: 80L << 30, TotalBytes: 80L << 30)),
        ];

        var used = ComputeMetrics.Measurements(reads, m => m.UsedBytes).ToList();
        var total = ComputeMetrics.Measurements(reads, m => m.TotalBytes).ToList();

        Assert.Equal([20L << 30, 0], used.Select(m => m.Value));
        Assert.Equal([80L << 30, 80L << 30], total.Select(m => m.Value));
        Assert.Equal(
            ["device=cuda:0,model=NVIDIA H100 80GB HBM3", "device=cuda:1,model=NVIDIA H100 80GB HBM3"],
            used.Select(m => string.Join(",", m.Tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
        Assert.Empty(ComputeMetrics.Measurements([], m => m.UsedBytes));
    }

    [Fact]
    public void UsedMemoryIsTotalMinusFree() =>
        Assert.Equal(3, new GpuMemoryInfo(FreeBytes: 5, TotalBytes: 8).UsedBytes);

    [Fact]
    public void ASiloGetsBothGaugesAndAMeasurementPerGpuItHas()
    {
        var probe = CudaProbe.Run();
        using var devices = ComputeDevices.Discover("auto");
        var factory = new ScopedMeterFactory();
        var instruments = new List<string>();
        var measurements = new List<(string Name, long Value, string Device)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == ComputeMetricNames.Meter)
            {
                instruments.Add(instrument.Name);
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Add((instrument.Name, value, tags.ToArray().Single(t => t.Key == "device").Value!.ToString()!)));
        listener.Start();

        ComputeMetrics.Observe(factory, devices);
        listener.RecordObservableInstruments();

        Assert.Equal([ComputeMetricNames.GpuMemoryTotal, ComputeMetricNames.GpuMemoryUsed], instruments.Order());
        Assert.Equal(ComputeMetricNames.GpuOnly.Order(), instruments.Order());
        if (!probe.IsUsable)
        {
            // CI: no GPU, so no series; the metric-name check takes GpuOnly as names that may be absent.
            Assert.Empty(devices.Gpus);
            Assert.Empty(measurements);
            return;
        }

        foreach (var gpu in devices.Gpus)
        {
            var used = measurements.Single(m => m.Name == ComputeMetricNames.GpuMemoryUsed && m.Device == gpu.Name).Value;
            var total = measurements.Single(m => m.Name == ComputeMetricNames.GpuMemoryTotal && m.Device == gpu.Name).Value;
            Assert.InRange(used, 1, total);
            Assert.Equal(gpu.MemoryBytes, total);
        }
    }

    /// <summary>What a silo's container gives (<c>AddMetrics()</c>): meters whose scope is the factory.</summary>
    private sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
