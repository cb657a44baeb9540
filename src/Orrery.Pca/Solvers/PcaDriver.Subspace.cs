using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;
using Orrery.Pca.Data;

namespace Orrery.Pca.Solvers;

/// <summary>
/// Block subspace iteration with Rayleigh-Ritz (the solver <c>subspace</c>): the driver keeps an orthonormal
/// block Q of m = K + p vectors and no worker grains. A step is one block product Z = Sigma Q through the
/// shards (one GEMM pair per leaf, summed in the same fixed tree as every other solver, so any power-of-two
/// shard count and placement give the same bits), then in double on the driver: B = Q^T Z (m x m), its
/// eigenpairs (theta_i, w_i) by descending theta, the Ritz vectors Q w_1 .. Q w_K published with their Ritz
/// values, and the next block Q = orth(Z W) by Householder QR, stored as float32 for the shards. Ritz vector
/// k converges at (lambda_{m+1} / lambda_k)^t instead of parallel deflation's lambda_{k+1} / lambda_k.
/// </summary>
public sealed partial class PcaDriver
{
    /// <summary>The block's size m = K + p.</summary>
    public int BlockSize => Options.Components + (Options.Oversample ?? PcaOptions.DefaultOversample);

    /// <summary>
    /// Q_0: the seeded unit vectors of the other solvers for the first K columns (same seeds), p more from the
    /// same stream, orthonormalised.
    /// </summary>
    private float[][] InitialBlock()
    {
        var m = BlockSize;
        var start = new double[m][];
        for (var i = 0; i < m; i++)
        {
            var v = i < _published.Length ? _published[i] : SplitMix.UnitVector(Options.Seed * 7919 + (ulong)i + 1, Dimension);
            start[i] = [.. v.Select(x => (double)x)];
        }

        return Orthonormalised(start);
    }

    /// <summary>
    /// T subspace steps. Transactional like the other solvers' rounds: the block, the published vectors and
    /// the Ritz values are replaced only when the round completes, so a failed round re-runs from the saved Q.
    /// </summary>
    private async Task RunSubspaceRoundAsync(CancellationToken cancellationToken)
    {
        var d = Dimension;
        var k = Options.Components;
        var m = _block.Length;
        var block = _block;
        var published = _published;
        var ritzValues = new double[k];
        for (var step = 1; step <= Options.StepsPerRound; step++)
        {
            // z: (m, d), z[i] = Sigma q_i, as the float32 tree sum divided by n.
            var z = await ProductsAsync(block, -1, cancellationToken);

            // b: (m, m) = Q^T Z in double, symmetrised (Q is orthonormal only to float32 rounding).
            var b = Matrix<double>.Build.Dense(m, m);
            for (var i = 0; i < m; i++)
            {
                for (var j = i; j < m; j++)
                {
                    var value = 0.5 * (WorkerState.Dot(block[i], z[j]) + WorkerState.Dot(block[j], z[i]));
                    b[i, j] = value;
                    b[j, i] = value;
                }
            }

            var evd = b.Evd(Symmetricity.Symmetric);
            var order = Enumerable.Range(0, m).OrderByDescending(i => evd.EigenValues[i].Real).ThenBy(i => i).ToArray();

            // Ritz vectors x_c = Q w_c for c < K (published), and Sigma x_c = Z w_c for all m (the next block).
            var next = new double[m][];
            published = new float[k][];
            for (var c = 0; c < m; c++)
            {
                var w = evd.EigenVectors.Column(order[c]);
                next[c] = Combine(z, w, d);
                if (c < k)
                {
                    var ritz = Combine(block, w, d);
                    var norm = Math.Sqrt(ritz.Sum(x => x * x));
                    published[c] = [.. ritz.Select(x => (float)(x / norm))];
                    ritzValues[c] = evd.EigenValues[order[c]].Real;
                }
            }

            block = Orthonormalised(next);
        }

        _block = block;
        _published = published;
        _current = [.. published];
        ritzValues.CopyTo(_rayleigh, 0);
    }

    /// <summary>sum_i w_i v_i in double, in index order. v: (m, d).</summary>
    private static double[] Combine(float[][] vectors, Vector<double> w, int d)
    {
        var result = new double[d];
        for (var i = 0; i < vectors.Length; i++)
        {
            var coefficient = w[i];
            var v = vectors[i];
            for (var c = 0; c < d; c++)
            {
                result[c] += coefficient * v[c];
            }
        }

        return result;
    }

    /// <summary>
    /// The Q of a thin Householder QR of the columns <paramref name="columns"/> (m of d each, kept in order so
    /// the leading Ritz directions stay leading), as float32 rows. Householder rather than Gram-Schmidt: Z W is
    /// ill-conditioned (its column norms span lambda_1 / lambda_m) and Householder's Q is orthonormal regardless.
    /// </summary>
    private static float[][] Orthonormalised(double[][] columns)
    {
        var d = columns[0].Length;
        var matrix = Matrix<double>.Build.Dense(d, columns.Length, (r, c) => columns[c][r]);
        var q = matrix.QR(QRMethod.Thin).Q;
        return [.. Enumerable.Range(0, columns.Length).Select(c => q.Column(c).Select(x => (float)x).ToArray())];
    }
}
