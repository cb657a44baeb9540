using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Tests.Generators;

public sealed class GeneratorTests
{
    [Fact]
    public void AStarHasItsCentreAtTheTailOfEveryEdge()
    {
        var star = MetricGraphGenerators.Star([1.0, 2.0, 3.0], [0.2, 0.3, 0.5], 0.5, VertexKind.Absorbing);
        Assert.Equal(4, star.VertexCount);
        Assert.All(star.Edges, e => Assert.Equal(0, e.Tail));
        Assert.Equal([0.2, 0.3, 0.5], Enumerable.Range(0, 3).Select(e => Math.Round(star.JumpWeight(0, e), 12)));
        Assert.Equal([1, 2, 3], star.AbsorbingVertices);
        Assert.Equal(0.125, star.Edges[0].Diffusion);
    }

    [Fact]
    public void ABinaryTreeAndAGridHaveTheirCounts()
    {
        var tree = MetricGraphGenerators.BinaryTree(4);
        Assert.Equal(31, tree.VertexCount);
        Assert.Equal(30, tree.EdgeCount);
        Assert.Equal(16, tree.AbsorbingVertices.Count);
        Assert.Equal([0], tree.SourceVertices);

        var grid = MetricGraphGenerators.Grid(5, 4, 0.5);
        Assert.Equal(20, grid.VertexCount);
        Assert.Equal(4 * 4 + 5 * 3, grid.EdgeCount);
        Assert.Equal(4, grid.Degree(grid.VertexIndex("v6")));
        Assert.Equal(2, grid.Degree(0));
    }

    [Fact]
    public void ARandomGeometricGraphIsSeededConnectedAndMetric()
    {
        var a = MetricGraphGenerators.RandomGeometric(200, 0.12, seed: 5);
        var b = MetricGraphGenerators.RandomGeometric(200, 0.12, seed: 5);
        var c = MetricGraphGenerators.RandomGeometric(200, 0.12, seed: 6);
        Assert.Equal(a.Edges.Select(e => (e.Id, e.Length)), b.Edges.Select(e => (e.Id, e.Length)));
        Assert.NotEqual(a.Edges.Select(e => e.Length), c.Edges.Select(e => e.Length));
        Assert.All(a.Edges, e => Assert.InRange(e.Length, 1e-12, 0.12));
        Assert.All(a.Edges, e => Assert.Equal(System.Numerics.Vector3.Distance(a.Vertices[e.Tail].Position!.Value, a.Vertices[e.Head].Position!.Value), e.Length, 1e-6));
        Assert.Equal(a.VertexCount, Reachable(a, 0));
    }

    [Fact]
    public void AVesselNetworkFollowsMurraysLawWithWeightsByCrossSection()
    {
        var options = new VesselNetworkOptions { Seed = 3, RootVelocity = 2 };
        var graph = MetricGraphGenerators.VesselNetwork(options);
        Assert.Equal(1701, graph.EdgeCount);
        Assert.Equal(1702, graph.VertexCount);
        Assert.Equal([0], graph.SourceVertices);
        Assert.Equal(851, graph.AbsorbingVertices.Count); // a binary tree with 850 bifurcations has 851 outlets
        Assert.Equal(graph.VertexCount, Reachable(graph, 0));
        for (var v = 0; v < graph.VertexCount; v++)
        {
            if (graph.Degree(v) != 3)
            {
                continue;
            }

            // Parent (the edge arriving at its head) and two children (leaving from their tails): r^3 = r1^3 + r2^3.
            var incident = Enumerable.Range(graph.IncidenceOffsets[v], 3).Select(i => (Edge: graph.Edges[graph.IncidenceEdges[i]], End: graph.IncidenceEnds[i])).ToArray();
            var parent = incident.Single(x => x.End == EdgeEnd.Head).Edge;
            var children = incident.Where(x => x.End == EdgeEnd.Tail).Select(x => x.Edge).ToArray();
            var radius = Math.Sqrt(parent.Weight);
            Assert.Equal(Math.Pow(radius, 3), children.Sum(ch => Math.Pow(Math.Sqrt(ch.Weight), 3)), 1e-9);
            var totalArea = incident.Sum(x => x.Edge.Weight);
            Assert.Equal(parent.Weight / totalArea, graph.JumpWeight(v, graph.EdgeIndex(parent.Id)), 12);
            Assert.Equal(2 * radius / options.RootRadius, parent.Drift.Offset, 9); // speed proportional to radius
        }

        Assert.Equal(graph.Edges.Select(e => e.Length), MetricGraphGenerators.VesselNetwork(options).Edges.Select(e => e.Length));
    }

    private static int Reachable(MetricGraph graph, int start)
    {
        var seen = new bool[graph.VertexCount];
        var stack = new Stack<int>([start]);
        seen[start] = true;
        var count = 1;
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            for (var i = graph.IncidenceOffsets[v]; i < graph.IncidenceOffsets[v + 1]; i++)
            {
                var e = graph.IncidenceEdges[i];
                var w = graph.EdgeTails[e] == v ? graph.EdgeHeads[e] : graph.EdgeTails[e];
                if (!seen[w])
                {
                    seen[w] = true;
                    count++;
                    stack.Push(w);
                }
            }
        }

        return count;
    }
}
