namespace Orrery.Gcn.Partitioning;

/// <summary>The baseline: each node to a uniformly random part, balanced (a seeded shuffle dealt round-robin).</summary>
public static class RandomPartitioner
{
    /// <summary>Part of each of <paramref name="nodes"/> nodes.</summary>
    public static int[] Partition(int nodes, int parts, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parts);
        var order = Enumerable.Range(0, nodes).ToArray();
        new Random(seed).Shuffle(order);
        var assignment = new int[nodes];
        for (var i = 0; i < nodes; i++)
        {
            assignment[order[i]] = i % parts;
        }

        return assignment;
    }
}
