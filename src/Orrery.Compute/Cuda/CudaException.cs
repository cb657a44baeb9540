namespace Orrery.Compute.Cuda;

/// <summary>
/// A CUDA driver, NVRTC or cuBLAS call returned an error. The message names the call and the error,
/// "cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory); allocating 4294967296 bytes on cuda:0".
/// </summary>
public class CudaException : ComputeException
{
    public CudaException(string library, string call, int code, string errorName, string? description, string? context)
        : base(Format(call, errorName, description, context))
    {
        Library = library;
        Call = call;
        Code = code;
        ErrorName = errorName;
    }

    /// <summary>"CUDA driver", "NVRTC" or "cuBLAS".</summary>
    public string Library { get; }

    /// <summary>The C function that failed, verbatim ("cuMemAlloc_v2").</summary>
    public string Call { get; }

    /// <summary>The numeric result code.</summary>
    public int Code { get; }

    /// <summary>The result's enum name ("CUDA_ERROR_OUT_OF_MEMORY", "NVRTC_ERROR_COMPILATION", "CUBLAS_STATUS_INVALID_VALUE").</summary>
    public string ErrorName { get; }

    private static string Format(string call, string errorName, string? description, string? context)
    {
        var message = $"{call} failed: {errorName}";
        if (!string.IsNullOrEmpty(description) && description != errorName)
        {
            message += $" ({description})";
        }

        return string.IsNullOrEmpty(context) ? message : $"{message}; {context}";
    }
}
