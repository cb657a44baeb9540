using Orrery.Compute.Random;

namespace Orrery.Compute.Tests;

/// <summary>
/// Row-major SGEMM inputs and the float64 reference every CPU GEMM is held to, with the error bound the
/// tests state once: the standard forward error bound for a float dot product in any summation order
/// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1), |fl(s) - s| &lt;= γ_k Σ|a_l b_l| with
/// γ_k ≈ k·u and u = 2^-24, plus three roundings for the alpha scaling, the beta term and their sum:
/// tolerance_ij = (k + 3)·u·(|α| Σ_l |a_il b_lj| + |β| |c_ij|). It holds for blocked, FMA or threaded GEMMs
/// alike (each rounding happens at most once per term on any path through the sum); a wrong transpose,
/// stride or edge gives errors of O(1), far above it.
/// </summary>
internal sealed class GemmReference
{
    public const double UnitRoundoff = 1.0 / (1 << 24);

    private (double Expected, double Tolerance)[]? _entries;

    private GemmReference(MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k, float alpha, float beta, int padding, ulong seed)
    {
        (TransposeA, TransposeB, M, N, K, Alpha, Beta) = (transposeA, transposeB, m, n, k, alpha, beta);
        var (rowsA, columnsA) = transposeA == MatrixTranspose.None ? (m, k) : (k, m);
        var (rowsB, columnsB) = transposeB == MatrixTranspose.None ? (k, n) : (n, k);
        (Lda, Ldb, Ldc) = (Math.Max(1, columnsA) + padding, Math.Max(1, columnsB) + (2 * padding), Math.Max(1, n) + padding + 1);
        A = Uniforms(seed, Math.Max(1, rowsA * Lda));
        B = Uniforms(seed + 1, Math.Max(1, rowsB * Ldb));
        C = Uniforms(seed + 2, Math.Max(1, m * Ldc));
    }

    public MatrixTranspose TransposeA { get; }

    public MatrixTranspose TransposeB { get; }

    public int M { get; }

    public int N { get; }

    public int K { get; }

    public float Alpha { get; }

    public float Beta { get; }

    public int Lda { get; }

    public int Ldb { get; }

    public int Ldc { get; }

    /// <summary>A as stored: m×k (k×m when transposed) with row stride <see cref="Lda"/>; the padding holds values too.</summary>
    public float[] A { get; }

    public float[] B { get; }

    /// <summary>C before the product, padding between rows included.</summary>
    public float[] C { get; }

    /// <summary>
    /// Inputs uniform in [-1, 1) from Philox (the same on every machine), rows padded by <paramref name="padding"/>
    /// (A), 2·padding (B) and padding + 1 (C) floats beyond what the shape needs.
    /// </summary>
    public static GemmReference Create(MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k, float alpha, float beta, int padding = 3, ulong seed = 1) =>
        new(transposeA, transposeB, m, n, k, alpha, beta, padding, seed);

    /// <summary>Uniforms in [-1, 1) from Philox stream <paramref name="stream"/>.</summary>
    public static float[] Uniforms(ulong stream, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (2f * NormalTransform.Uniform(Philox4x32.Generate(2024, stream, (ulong)i).X0)) - 1f;
        }

        return values;
    }

    /// <summary>The exact C_ij in double, and the bound on a float GEMM's error for it (class summary).</summary>
    public (double Expected, double Tolerance) Entry(int i, int j, float[] c0)
    {
        if (ReferenceEquals(c0, C) && _entries is { } entries)
        {
            return entries[(i * N) + j];
        }

        double dot = 0, magnitude = 0;
        for (var l = 0; l < K; l++)
        {
            var ail = TransposeA == MatrixTranspose.None ? A[(i * Lda) + l] : A[(l * Lda) + i];
            var blj = TransposeB == MatrixTranspose.None ? B[(l * Ldb) + j] : B[(j * Ldb) + l];
            dot += (double)ail * blj;
            magnitude += Math.Abs((double)ail * blj);
        }

        // beta = 0 means C is not read: its old value (NaN, say) does not enter.
        var c = Beta == 0 ? 0 : (double)c0[(i * Ldc) + j];
        var expected = (Alpha * dot) + (Beta * c);
        var tolerance = (K + 3) * UnitRoundoff * ((Math.Abs(Alpha) * magnitude) + (Math.Abs(Beta) * Math.Abs(c)));
        return (expected, tolerance);
    }

    /// <summary>
    /// Asserts every entry of <paramref name="result"/> is within its tolerance of the reference computed from
    /// <paramref name="c0"/> (C before the product; default <see cref="C"/>) and that the padding between rows of
    /// C is untouched; returns the largest error as a fraction of its tolerance.
    /// </summary>
    public double AssertMatches(float[] result, float[]? c0 = null, string what = "")
    {
        c0 ??= C;
        if (ReferenceEquals(c0, C) && _entries is null)
        {
            // Several results are checked against one problem: the reference is worked out once, on all cores.
            var entries = new (double, double)[M * N];
            Parallel.For(0, M, i =>
            {
                for (var j = 0; j < N; j++)
                {
                    entries[(i * N) + j] = Entry(i, j, C);
                }
            });
            _entries = entries;
        }

        var worst = 0.0;
        for (var i = 0; i < M; i++)
        {
            for (var j = 0; j < N; j++)
            {
                var (expected, tolerance) = Entry(i, j, c0);
                var actual = result[(i * Ldc) + j];
                var error = Math.Abs(actual - expected);
                Assert.True(error <= tolerance, $"{what}{this}: C[{i},{j}] = {actual}, expected {expected}: error {error:E2} > tolerance {tolerance:E2}");
                worst = Math.Max(worst, tolerance == 0 ? 0 : error / tolerance);
            }

            // Padding between rows of C is not C's to touch.
            for (var j = N; j < Ldc; j++)
            {
                Assert.True(c0[(i * Ldc) + j].Equals(result[(i * Ldc) + j]), $"{what}{this}: padding C[{i},{j}] changed");
            }
        }

        return worst;
    }

    public override string ToString() =>
        $"{(TransposeA == MatrixTranspose.None ? 'N' : 'T')}{(TransposeB == MatrixTranspose.None ? 'N' : 'T')} {M}x{N}x{K} alpha {Alpha} beta {Beta} lda {Lda} ldb {Ldb} ldc {Ldc}";
}
