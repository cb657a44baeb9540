namespace Orrery.Compute.Cuda;

/// <summary>A loaded cubin or PTX image and the kernels looked up in it.</summary>
internal sealed unsafe class CudaModule : CudaResourceHandle
{
    private readonly Dictionary<string, nint> _functions = new(StringComparer.Ordinal);

    private CudaModule(CudaPrimaryContext context, nint value)
        : base(context, value)
    {
    }

    /// <summary>Loads <paramref name="image"/> (a cubin, or PTX ending in NUL); the result carries the driver's error, CUDA_ERROR_INVALID_IMAGE for a corrupt file.</summary>
    public static CudaResult TryLoad(CudaPrimaryContext context, byte[] image, out CudaModule? module)
    {
        context.MakeCurrent();
        nint value;
        CudaResult result;
        fixed (byte* data = image)
        {
            result = CudaDriver.cuModuleLoadData(&value, data);
        }

        module = result == CudaResult.CUDA_SUCCESS ? new CudaModule(context, value) : null;
        return result;
    }

    /// <summary>The <c>CUfunction</c> named <paramref name="name"/>; looked up once. Caller holds the device's lock.</summary>
    public nint Function(string name, string moduleName)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (!_functions.TryGetValue(name, out var function))
        {
            Context.MakeCurrent();
            nint value;
            CudaErrors.Check(CudaDriver.cuModuleGetFunction(&value, handle, name), nameof(CudaDriver.cuModuleGetFunction), $"kernel '{name}' in {moduleName} (is it declared extern \"C\" __global__?)");
            _functions[name] = function = value;
        }

        return function;
    }

    protected override bool Destroy(nint value) => CudaDriver.cuModuleUnload(value) == CudaResult.CUDA_SUCCESS;
}
