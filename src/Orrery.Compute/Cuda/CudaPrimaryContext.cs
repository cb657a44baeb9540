using System.Runtime.InteropServices;

namespace Orrery.Compute.Cuda;

/// <summary>
/// A retained primary context of one device: the context the CUDA runtime and cuBLAS use too, so
/// their work and ours share memory and streams. Every resource made in it holds a reference (see
/// <see cref="CudaResourceHandle"/>), so the context is released only after the last of them.
/// </summary>
internal sealed unsafe class CudaPrimaryContext : SafeHandle
{
    private CudaPrimaryContext(int device, nint context)
        : base(0, ownsHandle: true)
    {
        Device = device;
        SetHandle(context);
    }

    /// <summary>The <c>CUdevice</c> the context belongs to.</summary>
    public int Device { get; }

    public override bool IsInvalid => handle == 0;

    public static CudaPrimaryContext Retain(int device, string deviceName)
    {
        nint context;
        CudaErrors.Check(CudaDriver.cuDevicePrimaryCtxRetain(&context, device), nameof(CudaDriver.cuDevicePrimaryCtxRetain), deviceName);
        return new CudaPrimaryContext(device, context);
    }

    /// <summary>Makes the context current on the calling thread; every driver call needs it, and threads differ between calls.</summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        CudaErrors.Check(CudaDriver.cuCtxSetCurrent(handle), nameof(CudaDriver.cuCtxSetCurrent));
    }

    /// <summary>
    /// For release paths (finalizers included), where throwing is not an option. Only for callers holding
    /// a reference (<see cref="CudaResourceHandle"/>): the context stays valid until the last reference
    /// goes, even after <see cref="SafeHandle.Dispose()"/> has marked it closed.
    /// </summary>
    public bool TryMakeCurrent() => CudaDriver.cuCtxSetCurrent(handle) == CudaResult.CUDA_SUCCESS;

    protected override bool ReleaseHandle() =>
        CudaDriver.cuDevicePrimaryCtxRelease_v2(Device) == CudaResult.CUDA_SUCCESS;
}
