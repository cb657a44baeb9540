namespace Orrery.Compute.Cuda;

/// <summary>
/// The column-major <c>cublasSgemm_v2</c> call that computes a row-major GEMM. A row-major matrix read
/// column-major is its transpose, so the row-major C = op(A) op(B) (m×n) is the column-major
/// Cᵀ = op(B)ᵀ op(A)ᵀ (n×m): cuBLAS's first operand is our B and its second our A, m and n swap, and
/// each operand keeps its own transpose flag and leading dimension (a row stride is the column-major
/// view's leading dimension).
/// </summary>
internal readonly record struct CublasGemmCall(int TransA, int TransB, int M, int N, int K, int Lda, int Ldb, int Ldc)
{
    /// <summary>cuBLAS's A is the caller's B, and cuBLAS's B the caller's A.</summary>
    public static CublasGemmCall FromRowMajor(MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k, int lda, int ldb, int ldc) =>
        new(Operation(transposeB), Operation(transposeA), n, m, k, ldb, lda, ldc);

    private static int Operation(MatrixTranspose transpose) =>
        transpose == MatrixTranspose.None ? CuBlas.CUBLAS_OP_N : CuBlas.CUBLAS_OP_T;
}
