using Orrery.Compute.Cpu;
using Orrery.Compute.Random;

namespace Orrery.Compute.Tests;

public sealed class SgemmTests : IDisposable
{
    private readonly CpuDevice _device = new();

    public void Dispose() => _device.Dispose();

    // Odd sizes, padded row strides, every transpose combination, alpha and beta not 0 or 1; then a
    // square size large enough for OpenBLAS's blocked, threaded kernels.
    [Theory]
    [InlineData(MatrixTranspose.None, MatrixTranspose.None, 37, 29, 53)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.None, 37, 29, 53)]
    [InlineData(MatrixTranspose.None, MatrixTranspose.Transpose, 37, 29, 53)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.Transpose, 37, 29, 53)]
    [InlineData(MatrixTranspose.None, MatrixTranspose.None, 192, 192, 192)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.Transpose, 1, 300, 7)]
    public void OpenBlasMatchesANaiveTripleLoop(MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k)
    {
        const float alpha = 0.75f, beta = -0.5f;
        var (rowsA, columnsA) = transposeA == MatrixTranspose.None ? (m, k) : (k, m);
        var (rowsB, columnsB) = transposeB == MatrixTranspose.None ? (k, n) : (n, k);
        int lda = columnsA + 3, ldb = columnsB + 1, ldc = n + 2;
        var a = Uniforms(1, rowsA * lda);
        var b = Uniforms(2, rowsB * ldb);
        var c = Uniforms(3, m * ldc);

        using var deviceA = _device.Allocate<float>(a.Length);
        using var deviceB = _device.Allocate<float>(b.Length);
        using var deviceC = _device.Allocate<float>(c.Length);
        deviceA.Upload(a);
        deviceB.Upload(b);
        deviceC.Upload(c);
        _device.Sgemm(transposeA, transposeB, m, n, k, alpha, deviceA, lda, deviceB, ldb, beta, deviceC, ldc);
        var result = deviceC.ToArray();

        // Reference in double, which is exact to ~1e-16 relative here. Tolerance: the standard forward
        // error bound for a float dot product in any summation order (Higham, Accuracy and Stability,
        // §3.1), |fl(s) - s| <= γ_k Σ|a_l b_l| with γ_k ≈ k·u, u = 2^-24, plus three roundings for the
        // alpha scaling, the beta term and their sum: tolerance_ij = (k + 3)·u·(|α| Σ_l |a_il b_lj| + |β| |c_ij|).
        // It holds for blocked, FMA or threaded BLAS alike; a wrong transpose or stride gives errors of O(1).
        const double unitRoundoff = 1.0 / (1 << 24);
        var worst = 0.0;
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double dot = 0, magnitude = 0;
                for (var l = 0; l < k; l++)
                {
                    var ail = transposeA == MatrixTranspose.None ? a[(i * lda) + l] : a[(l * lda) + i];
                    var blj = transposeB == MatrixTranspose.None ? b[(l * ldb) + j] : b[(j * ldb) + l];
                    dot += (double)ail * blj;
                    magnitude += Math.Abs((double)ail * blj);
                }

                var c0 = (double)c[(i * ldc) + j];
                var expected = (alpha * dot) + (beta * c0);
                var tolerance = (k + 3) * unitRoundoff * ((Math.Abs(alpha) * magnitude) + (Math.Abs(beta) * Math.Abs(c0)));
                var error = Math.Abs(result[(i * ldc) + j] - expected);
                Assert.True(error <= tolerance, $"C[{i},{j}] = {result[(i * ldc) + j]}, expected {expected}: error {error:E2} > tolerance {tolerance:E2}");
                worst = Math.Max(worst, error / tolerance);
            }

            // Padding between rows of C is not C's to touch.
            for (var j = n; j < ldc; j++)
            {
                Assert.Equal(c[(i * ldc) + j], result[(i * ldc) + j]);
            }
        }

        Assert.InRange(worst, 0, 1);
    }

    [Fact]
    public void ShapesAndStridesAreCheckedBeforeBlasSeesThem()
    {
        using var a = _device.Allocate<float>(6);
        using var b = _device.Allocate<float>(9);
        using var c = _device.Allocate<float>(4);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2));
        Assert.Contains("lda is 2; a is stored 2×3 row-major, so it must be at least 3", error.Message);

        var shortBuffer = Assert.Throws<ArgumentException>(() => _device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, 2, 3, 3, 1, a, 3, b, 3, 0, c, 3));
        Assert.Contains("c holds 4 floats; 2×3 with row stride 3 needs 6", shortBuffer.Message);

        using var other = new CpuDevice();
        using var foreign = other.Allocate<float>(6);
        var elsewhere = Assert.Throws<ArgumentException>(() => _device.Sgemm(MatrixTranspose.None, MatrixTranspose.None, 2, 2, 3, 1, a, 3, foreign, 2, 0, c, 2));
        Assert.Contains("sgemm: b lives on cpu", elsewhere.Message);
    }

    /// <summary>Uniforms in [-1, 1) from Philox, so the inputs are the same on every machine.</summary>
    private static float[] Uniforms(ulong stream, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (2f * NormalTransform.Uniform(Philox4x32.Generate(2024, stream, (ulong)i).X0)) - 1f;
        }

        return values;
    }
}
