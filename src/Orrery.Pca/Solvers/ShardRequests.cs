using Orrery.Contracts.Pca;

namespace Orrery.Pca.Solvers;

/// <summary>Which leaves each shard of a run holds.</summary>
public static class ShardRequests
{
    /// <summary>The load description of shard <paramref name="shard"/>: an aligned block of L / S leaves (the whole covariance in covariance mode).</summary>
    public static ShardLoadRequest Load(PcaStartRequest options, int shard)
    {
        var perShard = options.Leaves / options.Shards;
        return new ShardLoadRequest
        {
            Source = options.Source,
            Mode = options.Mode,
            Leaves = options.Leaves,
            FirstLeaf = shard * perShard,
            LeafCount = perShard,
        };
    }

    /// <summary>The shard holding <paramref name="leaf"/>.</summary>
    public static int OwnerOf(PcaStartRequest options, int leaf) => leaf / (options.Leaves / options.Shards);
}
