using MathNet.Numerics.LinearAlgebra;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;
using SimdVector = System.Numerics.Vector<double>;

namespace Orrery.Pca.Solvers;

/// <summary>The true top-K eigenpairs the error E is measured against.</summary>
/// <param name="Eigenvalues">lambda_1 &gt;= ... &gt;= lambda_K.</param>
/// <param name="Vectors">u_1 .. u_K, unit length, d each.</param>
public sealed record PcaTruth(double[] Eigenvalues, double[][] Vectors)
{
    /// <summary>Rows converted to double per block of <see cref="FromData"/>: 128 x d doubles (800 KB at d = 784) stay in cache.</summary>
    private const int RowsPerBlock = 128;

    /// <summary>The largest dimension whose d x d covariance the exact truth forms (8,192: 512 MiB of doubles).</summary>
    public const int MaxExactDimension = 8192;

    /// <summary>The top <paramref name="components"/> eigenpairs of the symmetric d x d <paramref name="covariance"/> (row-major), by a full symmetric eigendecomposition in double (MathNet).</summary>
    public static PcaTruth Exact(double[] covariance, int dimension, int components)
    {
        var matrix = Matrix<double>.Build.DenseOfRowMajor(dimension, dimension, covariance);
        matrix = (matrix + matrix.Transpose()) * 0.5;
        var evd = matrix.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, dimension).OrderByDescending(i => evd.EigenValues[i].Real).Take(components).ToArray();
        return new PcaTruth(
            [.. order.Select(i => evd.EigenValues[i].Real)],
            [.. order.Select(i => evd.EigenVectors.Column(i).ToArray())]);
    }

    /// <summary>
    /// The exact truth of the data <paramref name="source"/> describes, in double from end to end: Sigma = Y^T Y / n
    /// accumulated in double from the float32 rows the shards hold (in covariance mode of a generated spectrum, the
    /// shard's Sigma itself), then decomposed in double. Not through the shards: their float32 GEMM and sums would make
    /// the truth only as exact as float32 (E about 7% optimistic near 1e-6), and the solver's communicated bytes would
    /// count it. Runs on the caller's thread for as long as it takes; the driver runs it in the background.
    /// <paramref name="cancellationToken"/> is checked between row blocks (the pass over the data is the long part; the
    /// decomposition of the d x d matrix that follows is not interrupted).
    /// </summary>
    public static PcaTruth FromData(PcaSource source, string mode, long rows, int dimension, int components, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (dimension > MaxExactDimension)
        {
            throw new PcaOptionException("truth", $"truth needs an exact eigendecomposition at dimension {dimension}, more than {MaxExactDimension}; set truth: none");
        }

        var d = dimension;
        var sigma = new double[(long)d * d];
        if (mode == "covariance" && source.Kind == "generated" && SyntheticData.HasExactBasis(source))
        {
            var covariance = SyntheticData.Covariance(source).Values;
            for (long i = 0; i < sigma.LongLength; i++)
            {
                sigma[i] = covariance[i];
            }
        }
        else
        {
            for (long first = 0; first < rows; first += RowsPerBlock)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = (int)Math.Min(RowsPerBlock, rows - first);
                AddGram(sigma, PcaData.Rows(source, first, count));
            }

            for (var i = 0; i < d; i++)
            {
                for (var j = i; j < d; j++)
                {
                    var value = sigma[(long)i * d + j] / rows;
                    sigma[(long)i * d + j] = value;
                    sigma[(long)j * d + i] = value;
                }
            }
        }

        for (long i = 0; i < sigma.LongLength; i++)
        {
            if (!double.IsFinite(sigma[i]))
            {
                throw new PcaDivergedException($"the exact truth: Sigma[{i / d + 1}, {i % d + 1}] is {sigma[i]} (values beyond float32's range?); scale the data or set truth: none");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Exact(sigma, d, components);
    }

    /// <summary>Adds Y_b^T Y_b of the row block <paramref name="block"/> to the upper triangle of <paramref name="sigma"/> (d x d), in double.</summary>
    private static void AddGram(double[] sigma, PcaMatrix block)
    {
        var d = block.Columns;
        var rows = block.Rows;
        // c: (rows, d) in double.
        var c = new double[(long)rows * d];
        for (long i = 0; i < c.LongLength; i++)
        {
            c[i] = block.Values[i];
        }

        // Row i of Sigma, columns j >= i: sum_r c[r, i] * c[r, j]. Rows of Sigma are independent: one per task.
        Parallel.For(0, d, i =>
        {
            var target = sigma.AsSpan((int)((long)i * d + i), d - i);
            for (var r = 0; r < rows; r++)
            {
                var a = c[(long)r * d + i];
                if (a == 0)
                {
                    continue;
                }

                var source = c.AsSpan((int)((long)r * d + i), d - i);
                var width = SimdVector.Count;
                var j = 0;
                var scale = new SimdVector(a);
                for (; j <= target.Length - width; j += width)
                {
                    (new SimdVector(target[j..]) + scale * new SimdVector(source[j..])).CopyTo(target[j..]);
                }

                for (; j < target.Length; j++)
                {
                    target[j] += a * source[j];
                }
            }
        });
    }
}
