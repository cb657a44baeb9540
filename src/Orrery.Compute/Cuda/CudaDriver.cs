using System.Runtime.InteropServices;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cuda;

/// <summary>
/// The CUDA driver API (<c>libcuda.so.1</c>), the handful of entry points the backend uses. C names are
/// kept verbatim, <c>_v2</c> suffixes included: those are the symbols <c>cuda.h</c> maps the plain names
/// to (64-bit sizes and <c>CUdeviceptr</c>), and the driver keeps exporting them for binary compatibility.
/// Every function returns a <see cref="CudaResult"/>; callers pass it to <see cref="CudaErrors.Check(CudaResult, string, string?)"/>.
/// Handle types: <c>CUdevice</c> is an int ordinal handle, <c>CUdeviceptr</c> an unsigned 64-bit address,
/// <c>CUcontext</c>/<c>CUstream</c>/<c>CUevent</c>/<c>CUmodule</c>/<c>CUfunction</c> opaque pointers.
/// Call <see cref="NativeLibraryProbe.Require"/> on <see cref="NativeLibraries.CudaDriver"/> before the first call.
/// </summary>
internal static unsafe partial class CudaDriver
{
    private const string Library = NativeLibraries.CudaDriverImport;

    /// <summary><c>CU_STREAM_NON_BLOCKING</c>: the stream does not synchronize with the legacy default stream.</summary>
    public const uint CU_STREAM_NON_BLOCKING = 0x1;

    /// <summary><c>CU_EVENT_DEFAULT</c>: a timing event.</summary>
    public const uint CU_EVENT_DEFAULT = 0x0;

    static CudaDriver() => NativeLibraries.EnsureResolver();

    /// <summary>Initializes the driver; flags must be 0. Returns CUDA_ERROR_NO_DEVICE where no GPU is visible.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuInit(uint flags);

    /// <summary>The driver's CUDA version, 1000 * major + 10 * minor (13000 for 13.0).</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuDriverGetVersion(int* driverVersion);

    [LibraryImport(Library)]
    public static partial CudaResult cuDeviceGetCount(int* count);

    [LibraryImport(Library)]
    public static partial CudaResult cuDeviceGet(int* device, int ordinal);

    /// <summary>Writes the NUL-terminated model name ("NVIDIA H100 80GB HBM3") into <paramref name="name"/>.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuDeviceGetName(byte* name, int len, int dev);

    [LibraryImport(Library)]
    public static partial CudaResult cuDeviceTotalMem_v2(nuint* bytes, int dev);

    /// <summary>
    /// Free and total memory of the device of the current context, in bytes. Device-wide: other processes'
    /// allocations count as used. Needs a current context (CUDA_ERROR_INVALID_CONTEXT otherwise).
    /// </summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuMemGetInfo_v2(nuint* free, nuint* total);

    [LibraryImport(Library)]
    public static partial CudaResult cuDeviceGetAttribute(int* pi, CudaDeviceAttribute attrib, int dev);

    /// <summary>Retains the device's primary context (the one the CUDA runtime and cuBLAS use), creating it on first retain.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuDevicePrimaryCtxRetain(nint* pctx, int dev);

    /// <summary>Releases one retain; the context is destroyed, and all its memory freed, when the count reaches 0.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuDevicePrimaryCtxRelease_v2(int dev);

    /// <summary>Binds the context to the calling thread; every other call acts on the thread's current context.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuCtxSetCurrent(nint ctx);

    [LibraryImport(Library)]
    public static partial CudaResult cuMemAlloc_v2(ulong* dptr, nuint bytesize);

    /// <summary>Frees device memory; synchronizes with work still using it.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuMemFree_v2(ulong dptr);

    [LibraryImport(Library)]
    public static partial CudaResult cuMemcpyHtoD_v2(ulong dstDevice, void* srcHost, nuint byteCount);

    [LibraryImport(Library)]
    public static partial CudaResult cuMemcpyDtoH_v2(void* dstHost, ulong srcDevice, nuint byteCount);

    /// <summary>From pageable host memory this returns once the source is staged, so the caller may reuse it.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuMemcpyHtoDAsync_v2(ulong dstDevice, void* srcHost, nuint byteCount, nint hStream);

    [LibraryImport(Library)]
    public static partial CudaResult cuMemcpyDtoHAsync_v2(void* dstHost, ulong srcDevice, nuint byteCount, nint hStream);

    [LibraryImport(Library)]
    public static partial CudaResult cuStreamCreate(nint* phStream, uint flags);

    [LibraryImport(Library)]
    public static partial CudaResult cuStreamSynchronize(nint hStream);

    [LibraryImport(Library)]
    public static partial CudaResult cuStreamDestroy_v2(nint hStream);

    [LibraryImport(Library)]
    public static partial CudaResult cuEventCreate(nint* phEvent, uint flags);

    [LibraryImport(Library)]
    public static partial CudaResult cuEventRecord(nint hEvent, nint hStream);

    [LibraryImport(Library)]
    public static partial CudaResult cuEventSynchronize(nint hEvent);

    /// <summary>Milliseconds between two completed events, resolution about 0.5 µs.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuEventElapsedTime(float* pMilliseconds, nint hStart, nint hEnd);

    [LibraryImport(Library)]
    public static partial CudaResult cuEventDestroy_v2(nint hEvent);

    /// <summary>Loads a cubin, or NUL-terminated PTX that the driver compiles for the device.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuModuleLoadData(nint* module, void* image);

    [LibraryImport(Library)]
    public static partial CudaResult cuModuleUnload(nint hmod);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CudaResult cuModuleGetFunction(nint* hfunc, nint hmod, string name);

    /// <summary>
    /// Launches <paramref name="f"/> on <paramref name="hStream"/>. <paramref name="kernelParams"/> holds one
    /// pointer per kernel parameter, each pointing at the argument's value; the driver copies as many bytes
    /// as the parameter's declared size.
    /// </summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuLaunchKernel(
        nint f, uint gridDimX, uint gridDimY, uint gridDimZ, uint blockDimX, uint blockDimY, uint blockDimZ,
        uint sharedMemBytes, nint hStream, void** kernelParams, void** extra);

    /// <summary>The enum name of <paramref name="error"/> ("CUDA_ERROR_OUT_OF_MEMORY"); CUDA_ERROR_INVALID_VALUE for unknown codes.</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuGetErrorName(CudaResult error, byte** pStr);

    /// <summary>A sentence describing <paramref name="error"/> ("out of memory").</summary>
    [LibraryImport(Library)]
    public static partial CudaResult cuGetErrorString(CudaResult error, byte** pStr);
}
