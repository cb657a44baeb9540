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
}
