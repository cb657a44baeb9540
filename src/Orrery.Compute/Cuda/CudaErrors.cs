using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cuda;

/// <summary>
/// Turns CUDA driver, NVRTC and cuBLAS result codes into <see cref="CudaException"/>s that carry the call
/// and the error's name. Names come from our own enums, so they are right even when the library that
/// produced the code cannot be asked (and in tests, where none is loaded).
/// </summary>
internal static unsafe class CudaErrors
{
    /// <summary>The documented enum name of a driver result, or the driver's own name for codes newer than <see cref="CudaResult"/>.</summary>
    public static string Name(CudaResult result)
    {
        if (Enum.IsDefined(result))
        {
            return result.ToString();
        }

        return DriverString(result, names: true) ?? $"CUDA error {(int)result}";
    }

    public static string Name(NvrtcResult result) => Enum.IsDefined(result) ? result.ToString() : $"NVRTC error {(int)result}";

    public static string Name(CublasStatus status) => Enum.IsDefined(status) ? status.ToString() : $"cuBLAS status {(int)status}";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(CudaResult result, string call, string? context = null)
    {
        if (result != CudaResult.CUDA_SUCCESS)
        {
            Throw(result, call, context);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(NvrtcResult result, string call, string? context = null)
    {
        if (result != NvrtcResult.NVRTC_SUCCESS)
        {
            Throw(result, call, context);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(CublasStatus status, string call, string? context = null)
    {
        if (status != CublasStatus.CUBLAS_STATUS_SUCCESS)
        {
            Throw(status, call, context);
        }
    }

    /// <summary>The exception <see cref="Check(CudaResult, string, string?)"/> would throw, for callers that report instead.</summary>
    public static CudaException Exception(CudaResult result, string call, string? context = null) =>
        new("CUDA driver", call, (int)result, Name(result), DriverString(result, names: false), context);

    [DoesNotReturn]
    private static void Throw(CudaResult result, string call, string? context) => throw Exception(result, call, context);

    [DoesNotReturn]
    private static void Throw(NvrtcResult result, string call, string? context) =>
        throw new CudaException("NVRTC", call, (int)result, Name(result), null, context);

    [DoesNotReturn]
    private static void Throw(CublasStatus status, string call, string? context) =>
        throw new CudaException("cuBLAS", call, (int)status, Name(status), null, context);

    /// <summary>cuGetErrorName/cuGetErrorString when the driver is loaded; null otherwise or when it does not know the code.</summary>
    private static string? DriverString(CudaResult result, bool names)
    {
        if (!NativeLibraries.CudaDriver.IsAvailable)
        {
            return null;
        }

        byte* text = null;
        var status = names ? CudaDriver.cuGetErrorName(result, &text) : CudaDriver.cuGetErrorString(result, &text);
        return status == CudaResult.CUDA_SUCCESS && text != null ? Marshal.PtrToStringUTF8((nint)text) : null;
    }
}
