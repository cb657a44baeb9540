namespace Orrery.Compute.Cuda;

/// <summary>A cuBLAS handle bound to one device's primary context and stream.</summary>
internal sealed unsafe class CublasHandle : CudaResourceHandle
{
    private CublasHandle(CudaPrimaryContext context, nint value)
        : base(context, value)
    {
    }

    public static CublasHandle Create(CudaPrimaryContext context, CudaStream stream, string deviceName)
    {
        context.MakeCurrent();
        nint value;
        CudaErrors.Check(CuBlas.cublasCreate_v2(&value), nameof(CuBlas.cublasCreate_v2), deviceName);
        var created = new CublasHandle(context, value);
        try
        {
            CudaErrors.Check(CuBlas.cublasSetStream_v2(value, stream.Value), nameof(CuBlas.cublasSetStream_v2), deviceName);
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    /// <summary>The raw <c>cublasHandle_t</c>; valid while this handle is open.</summary>
    public nint Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    protected override bool Destroy(nint value) => CuBlas.cublasDestroy_v2(value) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}
