namespace Orrery.Compute.Cuda;

/// <summary>One <c>cuMemAlloc_v2</c> allocation (256-byte aligned by the driver).</summary>
internal sealed unsafe class CudaMemory : CudaResourceHandle
{
    private CudaMemory(CudaPrimaryContext context, ulong address)
        : base(context, (nint)address)
    {
    }

    public static CudaMemory Allocate(CudaPrimaryContext context, long bytes, string deviceName)
    {
        context.MakeCurrent();
        ulong address;
        CudaErrors.Check(CudaDriver.cuMemAlloc_v2(&address, (nuint)bytes), nameof(CudaDriver.cuMemAlloc_v2), $"allocating {bytes} bytes on {deviceName}");
        return new CudaMemory(context, address);
    }

    /// <summary>The <c>CUdeviceptr</c>.</summary>
    public ulong Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (ulong)handle;
        }
    }

    protected override bool Destroy(nint value) => CudaDriver.cuMemFree_v2((ulong)value) == CudaResult.CUDA_SUCCESS;
}
