namespace Orrery.Compute.Cuda;

/// <summary>A timing event recorded into a stream.</summary>
internal sealed unsafe class CudaEvent : CudaResourceHandle
{
    private CudaEvent(CudaPrimaryContext context, nint value)
        : base(context, value)
    {
    }

    public static CudaEvent Create(CudaPrimaryContext context)
    {
        context.MakeCurrent();
        nint value;
        CudaErrors.Check(CudaDriver.cuEventCreate(&value, CudaDriver.CU_EVENT_DEFAULT), nameof(CudaDriver.cuEventCreate));
        return new CudaEvent(context, value);
    }

    public void Record(CudaStream stream)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        Context.MakeCurrent();
        CudaErrors.Check(CudaDriver.cuEventRecord(handle, stream.Value), nameof(CudaDriver.cuEventRecord));
    }

    public void Synchronize()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        Context.MakeCurrent();
        CudaErrors.Check(CudaDriver.cuEventSynchronize(handle), nameof(CudaDriver.cuEventSynchronize));
    }

    /// <summary>Time from <paramref name="start"/> to this event, both recorded and completed.</summary>
    public TimeSpan Since(CudaEvent start)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        ObjectDisposedException.ThrowIf(start.IsClosed, start);
        Context.MakeCurrent();
        float milliseconds;
        CudaErrors.Check(CudaDriver.cuEventElapsedTime(&milliseconds, start.handle, handle), nameof(CudaDriver.cuEventElapsedTime));
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    protected override bool Destroy(nint value) => CudaDriver.cuEventDestroy_v2(value) == CudaResult.CUDA_SUCCESS;
}
