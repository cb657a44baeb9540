namespace Orrery.Compute;

/// <summary>Which backend runs a device's work.</summary>
public enum DeviceKind
{
    /// <summary>The host's cores: CPU twins of the kernels and OpenBLAS.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through the CUDA driver API, NVRTC-compiled kernels and cuBLAS.</summary>
    Cuda,
}
