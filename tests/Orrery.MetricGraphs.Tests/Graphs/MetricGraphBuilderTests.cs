using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Tests.Support;

namespace Orrery.MetricGraphs.Tests.Graphs;

public sealed class MetricGraphBuilderTests
{
    [Fact]
    public void TheLayoutHoldsCsrIncidenceAndCumulativeWeightsEndingAtExactlyOne()
    {
        var graph = TestGraphs.Mixed();
        var b = graph.VertexIndex("B");
        var incidences = Enumerable.Range(graph.IncidenceOffsets[b], graph.Degree(b)).ToArray();
        Assert.Equal(["AB", "BC", "BE"], incidences.Select(i => graph.Edges[graph.IncidenceEdges[i]].Id));
        Assert.Equal([EdgeEnd.Head, EdgeEnd.Tail, EdgeEnd.Tail], incidences.Select(i => graph.IncidenceEnds[i]));
        Assert.Equal([0.5f, 0.8f, 1f], incidences.Select(i => graph.IncidenceCumulativeWeights[i]));

        // C: weights proportional to the edge weights BC 1, CA 2, CD 1.
        var c = graph.VertexIndex("C");
        Assert.Equal(0.25, graph.JumpWeight(c, graph.EdgeIndex("BC")), 12);
        Assert.Equal(0.5, graph.JumpWeight(c, graph.EdgeIndex("CA")), 12);
        Assert.Equal(1f, graph.IncidenceCumulativeWeights[graph.IncidenceOffsets[c + 1] - 1]);

        // E is a reflecting end: one incidence with cumulative weight 1; D absorbs: weights 0.
        var e = graph.VertexIndex("E");
        Assert.Equal(1, graph.Degree(e));
        Assert.Equal(1f, graph.IncidenceCumulativeWeights[graph.IncidenceOffsets[e]]);
        Assert.Equal(0f, graph.IncidenceCumulativeWeights[graph.IncidenceOffsets[graph.VertexIndex("D")]]);

        // Piecewise potential of CA: knots at 0, 0.4, 1.2 with segment drifts -(1.5 - 0)/0.4 and -(0.2 - 1.5)/0.8.
        var ca = graph.EdgeIndex("CA");
        var first = graph.PotentialOffsets[ca];
        Assert.Equal(3, graph.PotentialOffsets[ca + 1] - first);
        Assert.Equal(-3.75f, graph.PotentialSegmentDrifts[first]);
        Assert.Equal(1.625f, graph.PotentialSegmentDrifts[first + 1]);
        Assert.Equal(graph.Lengths[ca], graph.PotentialPositions[first + 2]);
        Assert.Equal(DriftKind.Linear, graph.DriftKinds[graph.EdgeIndex("BC")]);
        Assert.Equal([-3f, 1f], new[] { graph.DriftSlopes[graph.EdgeIndex("BC")], graph.DriftOffsets[graph.EdgeIndex("BC")] });
    }

    [Fact]
    public void TrailingZeroWeightsCanNeverBeChosen()
    {
        var graph = new MetricGraphBuilder()
            .AddVertex("c", VertexKind.Junction, new Dictionary<string, double> { ["a"] = 0.6, ["b"] = 0.4, ["z"] = 0 })
            .AddVertex("x").AddVertex("y").AddVertex("w")
            .AddEdge("a", "c", "x", 1, 1).AddEdge("b", "c", "y", 1, 1).AddEdge("z", "c", "w", 1, 1)
            .Build();
        Assert.Equal([0.6f, 1f, 1f], graph.IncidenceCumulativeWeights[..3].ToArray());
    }

    [Fact]
    public void WeightsWithinTheToleranceAreNormalised()
    {
        var graph = Star(0.5, 0.5000005);
        Assert.Equal(1.0, graph.JumpWeights[0] + graph.JumpWeights[1], 15);
    }

    [Fact]
    public void AnEmptyGraphIsRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder("g.json").AddVertex("a").Build());
        Assert.Equal("g.json: the graph is empty: it has no edges", error.Message);
    }

    [Theory]
    [InlineData(-1.0, "length is -1; it must be a finite number greater than 0")]
    [InlineData(0.0, "length is 0; it must be a finite number greater than 0")]
    [InlineData(double.NaN, "length is NaN; it must be a finite number greater than 0")]
    [InlineData(1e-60, "length is 1E-60, which single precision (the sampler's) cannot hold; rescale the units")]
    public void BadLengthsAreRefusedNamingTheEdgeAndItsLine(double length, string problem)
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder("g.json")
            .AddVertex("a").AddVertex("b").AddEdge("e", "a", "b", length, 1, location: new SourceLocation("g.json", 7, 5)).Build());
        Assert.Equal($"g.json:7:5: edge \"e\": {problem}", error.Message);
        Assert.Equal(7, error.Location.Line);
    }

    [Fact]
    public void ANonPositiveSigmaIsRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder().AddVertex("a").AddVertex("b").AddEdge("e", "a", "b", 1, 0).Build());
        Assert.Contains("sigma is 0", error.Message);
    }

    [Fact]
    public void JumpWeightsThatDoNotSumToOneAreRefusedWithTheSumAndTheTolerance()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => Star(0.5, 0.4));
        Assert.Equal("vertex \"c\": jump weights sum to 0.9; they must sum to 1 (within 1e-6)", error.Message);
    }

    [Fact]
    public void NegativeJumpWeightsAreRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => Star(1.5, -0.5));
        Assert.Contains("jump weight for edge \"b\" is -0.5", error.Message);
    }

    [Fact]
    public void AnEdgeNamingAnUnknownVertexIsRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder().AddVertex("a").AddEdge("e", "a", "q", 1, 1).Build());
        Assert.Equal("edge \"e\": head \"q\" is an unknown vertex", error.Message);
    }

    [Fact]
    public void JumpWeightsNamingAnUnknownEdgeAreADanglingReference()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder()
            .AddVertex("a", VertexKind.Junction, new Dictionary<string, double> { ["e"] = 0.5, ["ghost"] = 0.5 }).AddVertex("b")
            .AddEdge("e", "a", "b", 1, 1).Build());
        Assert.Equal("vertex \"a\": jump weight for \"ghost\", which is an unknown edge", error.Message);
    }

    [Fact]
    public void JumpWeightsForAnEdgeElsewhereAreRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder()
            .AddVertex("a", VertexKind.Junction, new Dictionary<string, double> { ["e"] = 0.5, ["f"] = 0.5 }).AddVertex("b").AddVertex("c")
            .AddEdge("e", "a", "b", 1, 1).AddEdge("f", "b", "c", 1, 1).Build());
        Assert.Contains("jump weight for edge \"f\", which does not touch this vertex", error.Message);
    }

    [Fact]
    public void JumpWeightsMustListEveryIncidentEdge()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder()
            .AddVertex("a", VertexKind.Junction, new Dictionary<string, double> { ["e"] = 1 }).AddVertex("b").AddVertex("c")
            .AddEdge("e", "a", "b", 1, 1).AddEdge("f", "a", "c", 1, 1).Build());
        Assert.Contains("no jump weight for incident edge \"f\"", error.Message);
    }

    [Fact]
    public void AnAbsorbingVertexWithWeightsIsRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder()
            .AddVertex("a", VertexKind.Absorbing, new Dictionary<string, double> { ["e"] = 1 }, location: new SourceLocation("g.json", 3, 9)).AddVertex("b")
            .AddEdge("e", "a", "b", 1, 1).Build());
        Assert.StartsWith("g.json:3:9: vertex \"a\" is absorbing but has jump weights", error.Message);
    }

    [Fact]
    public void DuplicateIdsAreRefusedNamingTheFirstDefinition()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder()
            .AddVertex("a", location: new SourceLocation("g.json", 2)).AddVertex("a", location: new SourceLocation("g.json", 5))
            .AddVertex("b").AddEdge("e", "a", "b", 1, 1).Build());
        Assert.Equal("g.json:5: vertex \"a\" is defined twice (first at line 2)", error.Message);
    }

    [Fact]
    public void IsolatedVerticesAndLoopsAreRefused()
    {
        var isolated = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder()
            .AddVertex("a").AddVertex("b").AddVertex("lonely").AddEdge("e", "a", "b", 1, 1).Build());
        Assert.Equal("vertex \"lonely\" has no edges; remove it or connect it", isolated.Message);
        var loop = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder().AddVertex("a").AddEdge("e", "a", "a", 1, 1).Build());
        Assert.Contains("is a loop at vertex \"a\"", loop.Message);
    }

    [Theory]
    [InlineData(0.1, 1.0, "the potential's first point is at x = 0.1; it must be at x = 0")]
    [InlineData(0.0, 0.9, "the potential's last point is at x = 0.9; it must be at the edge's length 1")]
    [InlineData(0.0, -1.0, "potential point 1 is at x = -1, not after point 0 at x = 0; positions must increase")]
    public void BadPotentialsAreRefused(double first, double last, string problem)
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => new MetricGraphBuilder().AddVertex("a").AddVertex("b")
            .AddEdge("e", "a", "b", 1, 1, EdgeDrift.PiecewiseLinearPotential([new(first, 0), new(last, 1)])).Build());
        Assert.Equal($"edge \"e\": {problem}", error.Message.Split(" (within")[0]);
    }

    private static MetricGraph Star(double wa, double wb) => new MetricGraphBuilder()
        .AddVertex("c", VertexKind.Junction, new Dictionary<string, double> { ["a"] = wa, ["b"] = wb })
        .AddVertex("x").AddVertex("y")
        .AddEdge("a", "c", "x", 1, 1).AddEdge("b", "c", "y", 1, 1)
        .Build();
}
