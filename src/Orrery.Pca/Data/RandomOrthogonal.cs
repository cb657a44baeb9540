using System.Collections.Concurrent;

namespace Orrery.Pca.Data;

/// <summary>
/// A random orthogonal d x d matrix: modified Gram-Schmidt (twice, for orthogonality to double
/// precision) over normal columns from the seed. O(d^3): about a second at d = 1000. Cached per
/// (d, seed) in the process, since every shard of a generated matrix and the coordinator need it.
/// </summary>
public static class RandomOrthogonal
{
    private static readonly ConcurrentDictionary<(int, ulong), Lazy<double[][]>> Cache = new();

    /// <summary>The columns of the matrix (column k is eigenvector k of a generated covariance); do not modify.</summary>
    public static double[][] Columns(int dimension, ulong seed)
    {
        if (Cache.Count > 8)
        {
            Cache.Clear();
        }

        return Cache.GetOrAdd((dimension, seed), key => new Lazy<double[][]>(() => Create(key.Item1, key.Item2))).Value;
    }

    /// <summary>
    /// The first <paramref name="count"/> columns of the same matrix, in O(count^2 d): Gram-Schmidt is
    /// sequential, so they equal those of <see cref="Columns(int, ulong)"/> (low-rank data at large d).
    /// </summary>
    public static double[][] LeadingColumns(int dimension, ulong seed, int count) =>
        count >= dimension ? Columns(dimension, seed) : Create(dimension, seed, count);

    private static double[][] Create(int d, ulong seed, int count = -1)
    {
        var columns = new double[count < 0 ? d : count][];
        for (var j = 0; j < columns.Length; j++)
        {
            var v = new double[d];
            for (var i = 0; i < d; i++)
            {
                v[i] = SplitMix.Normal(seed, (ulong)j * (ulong)d + (ulong)i);
            }

            for (var pass = 0; pass < 2; pass++)
            {
                for (var p = 0; p < j; p++)
                {
                    var q = columns[p];
                    var dot = 0.0;
                    for (var i = 0; i < d; i++)
                    {
                        dot += q[i] * v[i];
                    }

                    for (var i = 0; i < d; i++)
                    {
                        v[i] -= dot * q[i];
                    }
                }
            }

            var norm = 0.0;
            for (var i = 0; i < d; i++)
            {
                norm += v[i] * v[i];
            }

            norm = Math.Sqrt(norm);
            for (var i = 0; i < d; i++)
            {
                v[i] /= norm;
            }

            columns[j] = v;
        }

        return columns;
    }
}
