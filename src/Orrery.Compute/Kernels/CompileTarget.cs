namespace Orrery.Compute.Kernels;

/// <summary>
/// What NVRTC compiles a module for: machine code for the device's own architecture (a cubin for
/// <c>sm_XY</c>, loaded as is), or PTX for a virtual architecture (<c>compute_XY</c>) that the driver
/// compiles at load time, used only when this NVRTC is older than the device.
/// </summary>
internal readonly record struct CompileTarget(int Architecture, bool IsCubin)
{
    /// <summary>"sm_90" or "compute_90".</summary>
    public override string ToString() => IsCubin ? $"sm_{Architecture}" : $"compute_{Architecture}";

    /// <summary>The NVRTC option selecting it.</summary>
    public string Option => $"--gpu-architecture={this}";

    /// <summary>The cache file's extension.</summary>
    public string Extension => IsCubin ? ".cubin" : ".ptx";

    /// <summary>
    /// The target for a device of architecture <paramref name="device"/> (10·major + minor, 90 for 9.0)
    /// given the architectures NVRTC reports (<c>nvrtcGetSupportedArchs</c>): its own when supported;
    /// else PTX for the newest supported one below it, which the driver JIT-compiles forward.
    /// </summary>
    public static CompileTarget Choose(int device, IReadOnlyCollection<int> supported)
    {
        if (supported.Contains(device))
        {
            return new CompileTarget(device, IsCubin: true);
        }

        var older = supported.Where(architecture => architecture < device).DefaultIfEmpty(0).Max();
        if (older == 0)
        {
            var range = supported.Count == 0 ? "none" : $"sm_{supported.Min()} to sm_{supported.Max()}";
            throw new ComputeException($"NVRTC cannot compile for sm_{device}: it supports {range}; install an NVRTC that matches the GPU");
        }

        return new CompileTarget(older, IsCubin: false);
    }
}
