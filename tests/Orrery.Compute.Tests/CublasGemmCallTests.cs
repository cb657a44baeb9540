using Orrery.Compute.Cuda;
using Orrery.Compute.Random;

namespace Orrery.Compute.Tests;

/// <summary>
/// The row-major to column-major mapping the CUDA backend hands cuBLAS, checked without a GPU: a
/// column-major SGEMM written from the BLAS reference semantics, given the mapped call and the same
/// row-major arrays, must produce the row-major product.
/// </summary>
public sealed class CublasGemmCallTests
{
    [Theory]
    [InlineData(MatrixTranspose.None, MatrixTranspose.None)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.None)]
    [InlineData(MatrixTranspose.None, MatrixTranspose.Transpose)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.Transpose)]
    public void ColumnMajorCallComputesTheRowMajorProduct(MatrixTranspose transposeA, MatrixTranspose transposeB)
    {
        const int m = 5, n = 3, k = 4;
        const double alpha = 2, beta = -1;
        var (rowsA, columnsA) = transposeA == MatrixTranspose.None ? (m, k) : (k, m);
        var (rowsB, columnsB) = transposeB == MatrixTranspose.None ? (k, n) : (n, k);
        int lda = columnsA + 2, ldb = columnsB + 1, ldc = n + 3;
        var a = Values(1, rowsA * lda);
        var b = Values(2, rowsB * ldb);
        var c = Values(3, m * ldc);

        var expected = (double[])c.Clone();
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double dot = 0;
                for (var l = 0; l < k; l++)
                {
                    dot += (transposeA == MatrixTranspose.None ? a[(i * lda) + l] : a[(l * lda) + i])
                        * (transposeB == MatrixTranspose.None ? b[(l * ldb) + j] : b[(j * ldb) + l]);
                }

                expected[(i * ldc) + j] = (alpha * dot) + (beta * c[(i * ldc) + j]);
            }
        }

        var call = CublasGemmCall.FromRowMajor(transposeA, transposeB, m, n, k, lda, ldb, ldc);
        var actual = (double[])c.Clone();
        ColumnMajorGemm(call, alpha, b, a, beta, actual); // cuBLAS's A is our B
        Assert.Equal(expected, actual);
    }

    /// <summary>C = alpha op(A) op(B) + beta C with column-major storage, X(i, j) at X[i + j·ldx], as BLAS defines sgemm.</summary>
    private static void ColumnMajorGemm(CublasGemmCall call, double alpha, double[] a, double[] b, double beta, double[] c)
    {
        double A(int i, int l) => call.TransA == CuBlas.CUBLAS_OP_N ? a[i + (l * call.Lda)] : a[l + (i * call.Lda)];
        double B(int l, int j) => call.TransB == CuBlas.CUBLAS_OP_N ? b[l + (j * call.Ldb)] : b[j + (l * call.Ldb)];
        for (var j = 0; j < call.N; j++)
        {
            for (var i = 0; i < call.M; i++)
            {
                double dot = 0;
                for (var l = 0; l < call.K; l++)
                {
                    dot += A(i, l) * B(l, j);
                }

                c[i + (j * call.Ldc)] = (alpha * dot) + (beta * c[i + (j * call.Ldc)]);
            }
        }
    }

    /// <summary>Small integers, so every sum is exact and the comparison can be exact.</summary>
    private static double[] Values(ulong stream, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (double)((int)(Philox4x32.Generate(7, stream, (ulong)i).X0 % 9) - 4))];
}
