using System.Runtime.InteropServices;
using Orrery.Compute.Native;

namespace Orrery.Compute.Cpu;

/// <summary>
/// OpenBLAS's CBLAS interface (<c>libopenblas.so.0</c>, else <c>libcblas.so.3</c>). C names verbatim;
/// <c>blasint</c> is 32-bit in Debian's LP64 build (<c>libopenblas0</c>; the 64-bit-index build is a
/// different soname, <c>libopenblas64.so.0</c>). Call <see cref="NativeLibraryProbe.Require"/> on
/// <see cref="NativeLibraries.OpenBlas"/> first.
/// </summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = NativeLibraries.OpenBlasImport;

    public const int CblasRowMajor = 101;
    public const int CblasNoTrans = 111;
    public const int CblasTrans = 112;

    static OpenBlas() => NativeLibraries.EnsureResolver();

    /// <summary>C = alpha op(A) op(B) + beta C in the given storage order; OpenBLAS threads it over all cores.</summary>
    [LibraryImport(Library)]
    public static partial void cblas_sgemm(
        int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
