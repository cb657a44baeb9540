using System.Runtime.InteropServices;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cuda;

/// <summary>
/// cuBLAS (<c>libcublas.so.13</c>, else <c>.12</c>), the entry points for single-precision GEMM. C names
/// verbatim; every function returns a <see cref="CublasStatus"/>. cuBLAS is column-major; the row-major
/// mapping lives in <see cref="CudaDevice"/>. Call <see cref="NativeLibraryProbe.Require"/> on
/// <see cref="NativeLibraries.CuBlas"/> first.
/// </summary>
internal static unsafe partial class CuBlas
{
    private const string Library = NativeLibraries.CuBlasImport;

    /// <summary><c>CUBLAS_OP_N</c>: use the matrix as stored.</summary>
    public const int CUBLAS_OP_N = 0;

    /// <summary><c>CUBLAS_OP_T</c>: use its transpose.</summary>
    public const int CUBLAS_OP_T = 1;

    static CuBlas() => NativeLibraries.EnsureResolver();

    /// <summary>Creates a handle bound to the device whose context is current on the calling thread.</summary>
    [LibraryImport(Library)]
    public static partial CublasStatus cublasCreate_v2(nint* handle);

    [LibraryImport(Library)]
    public static partial CublasStatus cublasDestroy_v2(nint handle);

    /// <summary>Routes the handle's work onto <paramref name="streamId"/> (a <c>CUstream</c>; the runtime's <c>cudaStream_t</c> is the same pointer).</summary>
    [LibraryImport(Library)]
    public static partial CublasStatus cublasSetStream_v2(nint handle, nint streamId);

    /// <summary>
    /// C = alpha op(A) op(B) + beta C, column-major: op(A) is m×k, op(B) k×n, C m×n. With the default
    /// pointer mode alpha and beta are host pointers; A, B and C are device addresses. The default math
    /// mode computes in FP32: TF32 tensor cores are used only when the handle's math mode asks for them.
    /// </summary>
    [LibraryImport(Library)]
    public static partial CublasStatus cublasSgemm_v2(
        nint handle, int transa, int transb, int m, int n, int k,
        float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);
}
