using Orrery.Compute.Cpu;
using Orrery.Compute.Cuda;
using Orrery.Compute.Kernels;

namespace Orrery.Compute;

/// <summary>Finds and opens the devices a silo computes on.</summary>
public static class ComputeDevices
{
    private static readonly Lazy<DeviceDiscovery> SharedCpuOnlyDevices = new(() => Discover("cpu"));

    /// <summary>
    /// One CPU-only <see cref="DeviceDiscovery"/> per process, for grains on silos whose host registers
    /// no devices (embedded clusters, tests). Workloads take the silo's discovery when there is one and
    /// this otherwise, so every such grain in a process shares one CPU device.
    /// </summary>
    public static DeviceDiscovery SharedCpuOnly => SharedCpuOnlyDevices.Value;

    /// <summary>
    /// Opens the devices <paramref name="devicePreference"/> asks for: "cpu" (the CPU only, no GPU probe),
    /// "auto" (every usable GPU, and the CPU; a machine without a usable GPU gets the CPU and a note saying
    /// why, never an exception), or "cuda:N" (GPU N and the CPU; throws <see cref="ComputeException"/>
    /// with the reason when GPU N cannot be used). A GPU is usable when the driver initializes and NVRTC
    /// and cuBLAS load.
    /// </summary>
    public static DeviceDiscovery Discover(string devicePreference, ComputeOptions? options = null, CpuKernelRegistry? cpuKernels = null)
    {
        ArgumentNullException.ThrowIfNull(devicePreference);
        var requested = ParsePreference(devicePreference);
        options ??= new ComputeOptions();
        options.Validate();

        var cpu = new CpuDevice(cpuKernels);
        if (requested == CpuOnly)
        {
            return new DeviceDiscovery([], cpu, $"cpu only (device preference 'cpu'; GPUs not probed); {cpu}");
        }

        var probe = CudaProbe.Run();
        if (!probe.IsUsable)
        {
            if (requested >= 0)
            {
                throw new ComputeException($"device cuda:{requested} was asked for but no GPU is usable: {probe.Problem}");
            }

            return new DeviceDiscovery([], cpu, $"no GPU: {probe.Problem}; computing on {cpu}");
        }

        if (requested >= probe.Devices.Count)
        {
            throw new ComputeException($"device cuda:{requested} was asked for but the CUDA driver sees {probe.Devices.Count} GPU(s): {string.Join(", ", probe.Devices)}");
        }

        var sources = options.KernelSourceDirectory.Length > 0 ? KernelSources.FromDirectory(options.KernelSourceDirectory) : KernelSources.Embedded;
        var cache = new KernelCache(options.ResolvedKernelCacheDirectory);
        var gpus = new List<CudaDevice>();
        var problems = new List<string>();
        foreach (var info in probe.Devices.Where(d => requested < 0 || d.Ordinal == requested))
        {
            try
            {
                gpus.Add(new CudaDevice(info, probe.NvrtcArchitectures, sources, cache));
            }
            catch (ComputeException e) when (requested < 0)
            {
                // "auto": a GPU that cannot be opened (busy in exclusive mode, too new for NVRTC) is skipped and named.
                problems.Add($"{info.Name} unusable: {e.Message}");
            }
        }

        var versions = $"CUDA driver {probe.DriverVersion}, NVRTC {probe.NvrtcVersion}";
        var skipped = problems.Count == 0 ? "" : $"; {string.Join("; ", problems)}";
        if (gpus.Count == 0)
        {
            return new DeviceDiscovery([], cpu, $"no GPU: {string.Join("; ", problems)} ({versions}); computing on {cpu}");
        }

        return new DeviceDiscovery(gpus, cpu, $"{string.Join("; ", gpus)}; {versions}{skipped}");
    }

    private const int CpuOnly = -2;
    private const int AnyGpu = -1;

    /// <summary>-2 for "cpu", -1 for "auto", N for "cuda:N".</summary>
    private static int ParsePreference(string preference)
    {
        if (preference == "cpu")
        {
            return CpuOnly;
        }

        if (preference == "auto")
        {
            return AnyGpu;
        }

        if (preference.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(preference.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ordinal))
        {
            return ordinal;
        }

        throw new ArgumentException($"device preference is '{preference}'; it must be 'auto', 'cpu' or 'cuda:N'", nameof(preference));
    }
}
