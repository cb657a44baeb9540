namespace Orrery.Pca.Data;

/// <summary>
/// The fixed split of the n rows into <c>leaves</c> equal row blocks (a power of two). Every product
/// Y^T (Y V) is the sum of one partial per leaf, added pairwise in a fixed binary tree over the
/// leaves; a shard holds an aligned subtree. The float sums are therefore the same, bit for bit,
/// for 1, 2, 4, ... shards and wherever the shards run.
/// </summary>
public static class LeafLayout
{
    /// <summary>First row of leaf <paramref name="leaf"/> of <paramref name="leaves"/> over <paramref name="rows"/> rows.</summary>
    public static long FirstRow(long rows, int leaves, int leaf) => rows * leaf / leaves;

    /// <summary>Rows in leaf <paramref name="leaf"/>.</summary>
    public static int RowCount(long rows, int leaves, int leaf) => (int)(FirstRow(rows, leaves, leaf + 1) - FirstRow(rows, leaves, leaf));

    /// <summary>Checks that <paramref name="shards"/> shards can each hold an aligned subtree of <paramref name="leaves"/> leaves.</summary>
    public static void Validate(int leaves, int shards)
    {
        if (leaves < 1 || (leaves & (leaves - 1)) != 0)
        {
            throw new ArgumentException($"leaves is {leaves}; it must be a power of two (1, 2, 4, ...)");
        }

        if (shards < 1 || (shards & (shards - 1)) != 0 || shards > leaves)
        {
            throw new ArgumentException($"shards is {shards}; it must be a power of two no larger than leaves ({leaves}), so that every shard holds an aligned block of leaves and sums come out the same for any shard count");
        }
    }

    /// <summary>Adds <paramref name="parts"/> (equal lengths) pairwise in tree order; the parts are consumed.</summary>
    public static float[] TreeSum(IReadOnlyList<float[]> parts)
    {
        if (parts.Count == 0 || (parts.Count & (parts.Count - 1)) != 0)
        {
            throw new ArgumentException($"a tree sum needs a power-of-two number of parts; got {parts.Count}");
        }

        var level = parts.ToArray();
        while (level.Length > 1)
        {
            var next = new float[level.Length / 2][];
            for (var i = 0; i < next.Length; i++)
            {
                var left = level[2 * i];
                var right = level[2 * i + 1];
                for (var j = 0; j < left.Length; j++)
                {
                    left[j] += right[j];
                }

                next[i] = left;
            }

            level = next;
        }

        return level[0];
    }
}
