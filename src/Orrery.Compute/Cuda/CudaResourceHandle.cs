using System.Runtime.InteropServices;

namespace Orrery.Compute.Cuda;

/// <summary>
/// A driver object made in a <see cref="CudaPrimaryContext"/> (stream, event, module, allocation, cuBLAS
/// handle). It keeps the context alive until it is itself released, and makes the context current before
/// destroying the object, since release can run on any thread, the finalizer's included.
/// </summary>
internal abstract class CudaResourceHandle : SafeHandle
{
    private readonly CudaPrimaryContext _context;

    protected CudaResourceHandle(CudaPrimaryContext context, nint value)
        : base(0, ownsHandle: true)
    {
        _context = context;
        var added = false;
        context.DangerousAddRef(ref added);
        SetHandle(value);
    }

    public override bool IsInvalid => handle == 0;

    protected CudaPrimaryContext Context => _context;

    protected sealed override bool ReleaseHandle()
    {
        try
        {
            return _context.TryMakeCurrent() && Destroy(handle);
        }
        finally
        {
            _context.DangerousRelease();
        }
    }

    /// <summary>Destroys the driver object; true on success.</summary>
    protected abstract bool Destroy(nint value);
}
