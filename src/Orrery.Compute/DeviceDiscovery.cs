using Orrery.Compute.Cpu;
using Orrery.Compute.Cuda;

namespace Orrery.Compute;

/// <summary>
/// The devices <see cref="ComputeDevices.Discover"/> opened: the usable GPUs (none on a machine without
/// one), always the CPU, and a note for people saying what was found or why no GPU is used. Disposing it
/// disposes the devices.
/// </summary>
public sealed class DeviceDiscovery : IDisposable
{
    internal DeviceDiscovery(IReadOnlyList<CudaDevice> gpus, CpuDevice cpu, string note, IReadOnlyList<IComputeDevice>? standIns = null)
    {
        Gpus = gpus;
        Cpu = cpu;
        Note = note;
        Devices = [.. gpus, .. standIns ?? [], cpu];
    }

    /// <summary>
    /// A silo's devices with <paramref name="standIns"/> in place of GPUs, for tests: a device that reports
    /// <see cref="DeviceKind.Cuda"/> without being one (the host-emulated GPU that runs kernels/*.cu compiled by g++) is
    /// listed in <see cref="Devices"/>, so grains that choose a device by name find it, but not in <see cref="Gpus"/>,
    /// which hold real CUDA devices only. Disposing the discovery disposes them.
    /// </summary>
    public static DeviceDiscovery WithStandIns(CpuDevice cpu, IReadOnlyList<IComputeDevice> standIns)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(standIns);
        return new DeviceDiscovery([], cpu, $"stand-in devices {string.Join(", ", standIns.Select(d => d.Name))}; {cpu}", standIns);
    }

    /// <summary>The GPUs, any stand-ins, then the CPU.</summary>
    public IReadOnlyList<IComputeDevice> Devices { get; }

    /// <summary>The device named <paramref name="name"/> ("cpu", "cuda:0", ...), or null when there is none.</summary>
    public IComputeDevice? Find(string name) => Devices.FirstOrDefault(d => d.Name == name);

    /// <summary>The devices' names, for a message that says what there is: "cuda:0, cpu".</summary>
    public string Names => string.Join(", ", Devices.Select(d => d.Name));

    /// <summary>The GPUs in use, by ordinal; empty when there are none or the preference is "cpu".</summary>
    public IReadOnlyList<CudaDevice> Gpus { get; }

    /// <summary>The host's cores, present on every silo.</summary>
    public CpuDevice Cpu { get; }

    /// <summary>Where work goes by default: the first GPU, else the CPU.</summary>
    public IComputeDevice Preferred => Gpus.Count > 0 ? Gpus[0] : Cpu;

    /// <summary>
    /// A line for logs and the membership table: "cuda:0 NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB);
    /// CUDA driver 13.0, NVRTC 13.0", or why there is no GPU ("no GPU: libcuda.so.1 not found ...").
    /// </summary>
    public string Note { get; }

    public void Dispose()
    {
        foreach (var device in Devices)
        {
            device.Dispose();
        }
    }
}
