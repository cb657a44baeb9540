using System.Runtime.InteropServices;

namespace Orrery.Compute.Cuda;

/// <summary>What the driver reports about one GPU, read without creating a context.</summary>
internal sealed record CudaDeviceInfo(int Ordinal, int Handle, string Model, long MemoryBytes, int Multiprocessors, int ComputeMajor, int ComputeMinor)
{
    /// <summary>10·major + minor: 90 for compute capability 9.0.</summary>
    public int Architecture => (10 * ComputeMajor) + ComputeMinor;

    public string Name => $"cuda:{Ordinal}";

    public static unsafe CudaDeviceInfo Query(int ordinal)
    {
        var name = $"cuda:{ordinal}";
        int device;
        CudaErrors.Check(CudaDriver.cuDeviceGet(&device, ordinal), nameof(CudaDriver.cuDeviceGet), name);

        const int NameBytes = 256;
        var model = stackalloc byte[NameBytes];
        CudaErrors.Check(CudaDriver.cuDeviceGetName(model, NameBytes, device), nameof(CudaDriver.cuDeviceGetName), name);
        model[NameBytes - 1] = 0;

        nuint bytes;
        CudaErrors.Check(CudaDriver.cuDeviceTotalMem_v2(&bytes, device), nameof(CudaDriver.cuDeviceTotalMem_v2), name);

        return new CudaDeviceInfo(
            ordinal,
            device,
            Marshal.PtrToStringUTF8((nint)model) ?? "",
            (long)bytes,
            Attribute(device, CudaDeviceAttribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, name),
            Attribute(device, CudaDeviceAttribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, name),
            Attribute(device, CudaDeviceAttribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, name));
    }

    public override string ToString() =>
        $"{Name} {Model} (sm_{Architecture}, {Multiprocessors} SMs, {MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB)";

    private static unsafe int Attribute(int device, CudaDeviceAttribute attribute, string name)
    {
        int value;
        CudaErrors.Check(CudaDriver.cuDeviceGetAttribute(&value, attribute, device), nameof(CudaDriver.cuDeviceGetAttribute), $"{attribute} of {name}");
        return value;
    }
}
