using Orrery.Gcn.Data;
using Orrery.Gcn.Graphs;

namespace Orrery.Gcn.Tests;

internal static class TestGraphs
{
    /// <summary>A 4-class CSBM of <paramref name="nodes"/> nodes, average degree about 8, features 8 wide.</summary>
    public static GcnGraph SmallCsbm(int nodes = 240, int seed = 3) =>
        new CsbmGenerator(nodes, Classes: 4, Features: 8, IntraProbability: 6.0 / (nodes / 4.0), InterProbability: 2.0 / nodes, Separation: 1.0, Seed: seed).Generate();
}
