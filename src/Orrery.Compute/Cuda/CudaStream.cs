namespace Orrery.Compute.Cuda;

/// <summary>A non-blocking stream: the device's queue of copies, launches and GEMMs, run in order.</summary>
internal sealed unsafe class CudaStream : CudaResourceHandle
{
    private CudaStream(CudaPrimaryContext context, nint stream)
        : base(context, stream)
    {
    }

    public static CudaStream Create(CudaPrimaryContext context, string deviceName)
    {
        context.MakeCurrent();
        nint stream;
        CudaErrors.Check(CudaDriver.cuStreamCreate(&stream, CudaDriver.CU_STREAM_NON_BLOCKING), nameof(CudaDriver.cuStreamCreate), deviceName);
        return new CudaStream(context, stream);
    }

    /// <summary>The raw <c>CUstream</c>; valid while this handle is open.</summary>
    public nint Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    /// <summary>Waits for everything queued; errors of earlier asynchronous work are reported here.</summary>
    public void Synchronize(string deviceName)
    {
        Context.MakeCurrent();
        CudaErrors.Check(CudaDriver.cuStreamSynchronize(Value), nameof(CudaDriver.cuStreamSynchronize), deviceName);
    }

    protected override bool Destroy(nint value) => CudaDriver.cuStreamDestroy_v2(value) == CudaResult.CUDA_SUCCESS;
}
