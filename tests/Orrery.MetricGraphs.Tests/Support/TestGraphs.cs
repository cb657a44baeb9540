using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Tests.Support;

internal static class TestGraphs
{
    /// <summary>
    /// A triangle A-B-C with a reflecting pendant B-E and an absorbing pendant C-D: a cycle, every drift
    /// kind, explicit and proportional weights, a source, an absorbing and a reflecting vertex.
    /// </summary>
    public static MetricGraph Mixed() => new MetricGraphBuilder("mixed")
        .AddVertex("A")
        .AddVertex("B", VertexKind.Junction, new Dictionary<string, double> { ["AB"] = 0.5, ["BC"] = 0.3, ["BE"] = 0.2 })
        .AddVertex("C", VertexKind.Source)
        .AddVertex("D", VertexKind.Absorbing)
        .AddVertex("E")
        .AddEdge("AB", "A", "B", 1.0, 1.0, EdgeDrift.Constant(0.8))
        .AddEdge("BC", "B", "C", 0.7, 1.0, EdgeDrift.Linear(slope: -3, offset: 1))
        .AddEdge("CA", "C", "A", 1.2, 1.0, EdgeDrift.PiecewiseLinearPotential([new(0, 0), new(0.4, 1.5), new(1.2, 0.2)]), weight: 2)
        .AddEdge("CD", "C", "D", 0.9, 1.0)
        .AddEdge("BE", "B", "E", 0.5, 0.5)
        .Build();

    /// <summary>
    /// A triangle A-B-C with a pendant C-E (reflecting at E): weights proportional to w_e, and (if
    /// <paramref name="withPotential"/>) a piecewise-linear potential continuous at the vertices,
    /// V(A) = 0, V(B) = 0.4, V(C) = 0.2, V(E) = 0.9, with an interior knot on A-B at 0.8.
    /// </summary>
    public static (MetricGraph Graph, Dictionary<string, PotentialPoint[]> Points, Dictionary<string, double> Weights) CycleWithPotential(bool withPotential)
    {
        var points = new Dictionary<string, PotentialPoint[]>
        {
            ["AB"] = [new(0, 0), new(0.5, 0.8), new(1, 0.4)],
            ["BC"] = [new(0, 0.4), new(1.5, 0.2)],
            ["CA"] = [new(0, 0.2), new(1.2, 0)],
            ["CE"] = [new(0, 0.2), new(0.8, 0.9)],
        };
        if (!withPotential)
        {
            points = points.ToDictionary(p => p.Key, p => p.Value.Select(q => q with { V = 0 }).ToArray());
        }

        var weights = new Dictionary<string, double> { ["AB"] = 1, ["BC"] = 2, ["CA"] = 0.5, ["CE"] = 1.5 };
        var ends = new Dictionary<string, (string Tail, string Head)> { ["AB"] = ("A", "B"), ["BC"] = ("B", "C"), ["CA"] = ("C", "A"), ["CE"] = ("C", "E") };
        var builder = new MetricGraphBuilder("cycle").AddVertex("A").AddVertex("B").AddVertex("C").AddVertex("E");
        foreach (var (id, p) in points)
        {
            builder.AddEdge(id, ends[id].Tail, ends[id].Head, p[^1].X, 1, withPotential ? EdgeDrift.PiecewiseLinearPotential(p) : EdgeDrift.None, weights[id]);
        }

        return (builder.Build(), points, weights);
    }

    /// <summary>Triangle A-B-C (constant and linear drifts, weights 2:1:1 at B) with absorbing pendants C-D and B-F.</summary>
    public static MetricGraph PendantTriangle() => new MetricGraphBuilder("pendant-triangle")
        .AddVertex("A")
        .AddVertex("B", VertexKind.Junction, new Dictionary<string, double> { ["AB"] = 0.5, ["BC"] = 0.25, ["BF"] = 0.25 })
        .AddVertex("C")
        .AddVertex("D", VertexKind.Absorbing)
        .AddVertex("F", VertexKind.Absorbing)
        .AddEdge("AB", "A", "B", 1.0, 1.0, EdgeDrift.Constant(0.6))
        .AddEdge("BC", "B", "C", 0.8, 1.0, EdgeDrift.Linear(slope: -1.5, offset: 0.5))
        .AddEdge("CA", "C", "A", 1.2, 1.0, EdgeDrift.Constant(-0.4))
        .AddEdge("CD", "C", "D", 0.7, 1.0, EdgeDrift.Constant(0.3))
        .AddEdge("BF", "B", "F", 0.9, 1.0)
        .Build();
}
