namespace Orrery.Gcn.Data;

/// <summary>Node features for a graph of graph-tool's collection, whose graphs carry none.</summary>
public enum GraphToolFeatures
{
    /// <summary>One-hot node identity: node v's row is 1 at column v, 0 elsewhere (as many columns as nodes).</summary>
    Identity,

    /// <summary>A seeded random projection of the identity: each row holds independent N(0, 1/width) numbers.</summary>
    Random,
}
