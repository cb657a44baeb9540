using Orrery.Compute.Native;

namespace Orrery.Compute.Cuda;

/// <summary>
/// What this machine offers for CUDA: the driver, its GPUs, NVRTC and cuBLAS. <see cref="Run"/> never
/// throws; whatever stops the GPUs from being used is in <see cref="Problem"/>, phrased for a person
/// ("libcuda.so.1 not found ...", "cuInit failed: CUDA_ERROR_NO_DEVICE ...").
/// </summary>
internal sealed record CudaProbe(
    IReadOnlyList<CudaDeviceInfo> Devices, string? DriverVersion, string? NvrtcVersion, IReadOnlyList<int> NvrtcArchitectures, string? Problem)
{
    /// <summary>True when there are GPUs and everything needed to run kernels and GEMM on them.</summary>
    public bool IsUsable => Devices.Count > 0 && Problem is null;

    public static unsafe CudaProbe Run()
    {
        if (!NativeLibraries.CudaDriver.IsAvailable)
        {
            return Failed(NativeLibraries.CudaDriver.Note);
        }

        try
        {
            var init = CudaDriver.cuInit(0);
            if (init != CudaResult.CUDA_SUCCESS)
            {
                return Failed(CudaErrors.Exception(init, nameof(CudaDriver.cuInit)).Message);
            }

            int version;
            CudaErrors.Check(CudaDriver.cuDriverGetVersion(&version), nameof(CudaDriver.cuDriverGetVersion));
            var driver = $"{version / 1000}.{version % 1000 / 10}";

            int count;
            CudaErrors.Check(CudaDriver.cuDeviceGetCount(&count), nameof(CudaDriver.cuDeviceGetCount));
            if (count == 0)
            {
                return Failed($"the CUDA driver ({driver}) sees no GPU: cuDeviceGetCount returned 0");
            }

            var devices = new List<CudaDeviceInfo>(count);
            for (var ordinal = 0; ordinal < count; ordinal++)
            {
                devices.Add(CudaDeviceInfo.Query(ordinal));
            }

            var gpus = string.Join(", ", devices.Select(d => $"{d.Name} {d.Model}"));
            foreach (var library in (ReadOnlySpan<NativeLibraryProbe>)[NativeLibraries.Nvrtc, NativeLibraries.CuBlas])
            {
                if (!library.IsAvailable)
                {
                    return new CudaProbe(devices, driver, null, [], $"found {gpus} but {library.DisplayName} is not available: {library.Note}");
                }
            }

            var (major, minor) = NvrtcProgram.Version();
            return new CudaProbe(devices, driver, $"{major}.{minor}", NvrtcProgram.SupportedArchitectures(), null);
        }
        catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException)
        {
            // An EntryPointNotFoundException means a driver or toolkit too old for these bindings.
            return Failed(e.Message);
        }
    }

    private static CudaProbe Failed(string problem) => new([], null, null, [], problem);
}
