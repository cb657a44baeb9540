using System.Diagnostics.Metrics;

namespace Orrery.Compute;

/// <summary>
/// The compute layer's instruments for one silo: observable gauges of each GPU's memory, read through the
/// CUDA driver at scrape time (two <c>cuMemGetInfo</c> calls per GPU per scrape, microseconds each).
/// Labels: <c>device</c> ("cuda:0") and <c>model</c>. A silo without GPUs reports no measurement, so
/// its <c>/metrics</c> has no GPU series; a GPU whose read fails is left out of that scrape.
/// </summary>
public sealed class ComputeMetrics
{
    private readonly DeviceDiscovery _devices;

    private ComputeMetrics(IMeterFactory meterFactory, DeviceDiscovery devices)
    {
        _devices = devices;
        var meter = meterFactory.Create(new MeterOptions(ComputeMetricNames.Meter));
        meter.CreateObservableGauge(
            ComputeMetricNames.GpuMemoryUsed, () => Measurements(ReadMemory(), static m => m.UsedBytes), "By",
            "Memory in use on this silo's GPU (total minus free, other processes included), by device.");
        meter.CreateObservableGauge(
            ComputeMetricNames.GpuMemoryTotal, () => Measurements(ReadMemory(), static m => m.TotalBytes), "By",
            "Memory of this silo's GPU, by device.");
    }

    /// <summary>Creates the instruments of a silo whose meter factory and devices these are.</summary>
    public static ComputeMetrics Observe(IMeterFactory meterFactory, DeviceDiscovery devices)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(devices);
        return new ComputeMetrics(meterFactory, devices);
    }

    /// <summary>
    /// One measurement per GPU read, labelled with its device name and model: the gauge callbacks' whole
    /// logic apart from the driver call, so it is tested without a GPU.
    /// </summary>
    internal static IEnumerable<Measurement<long>> Measurements(
        IEnumerable<(string Device, string Model, GpuMemoryInfo Memory)> reads, Func<GpuMemoryInfo, long> value)
    {
        foreach (var (device, model, memory) in reads)
        {
            yield return new Measurement<long>(value(memory), new("device", device), new("model", model));
        }
    }

    private IEnumerable<(string Device, string Model, GpuMemoryInfo Memory)> ReadMemory()
    {
        foreach (var gpu in _devices.Gpus)
        {
            if (gpu.TryGetMemoryInfo(out var memory, out _))
            {
                yield return (gpu.Name, gpu.Model, memory);
            }
        }
    }
}
