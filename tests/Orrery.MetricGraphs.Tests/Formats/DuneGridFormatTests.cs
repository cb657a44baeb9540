using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Tests.Formats;

public sealed class DuneGridFormatTests
{
    [Fact]
    public void TheExampleNetworkTakesLengthsFromCoordinatesAndWeightsFromRadii()
    {
        var graph = DuneGridFormat.Load(JsonFormatTests.Example("small-vessel.dgf"),
            new DgfOptions { SourceVertices = [0], EndKind = VertexKind.Absorbing, Sigma = 0.1 });
        Assert.Equal(6, graph.VertexCount);
        Assert.Equal(5, graph.EdgeCount);
        Assert.Equal(1.2, graph.Edges[0].Length, 12); // (0,0,0) to (0,0,1.2)
        Assert.Equal(Math.Sqrt(0.4 * 0.4 + 0.8 * 0.8), graph.Edges[1].Length, 12);
        Assert.Equal(VertexKind.Source, graph.VertexKinds[graph.VertexIndex("v0")]);
        Assert.Equal(VertexKind.Absorbing, graph.VertexKinds[graph.VertexIndex("v4")]);
        Assert.Equal(VertexKind.Junction, graph.VertexKinds[graph.VertexIndex("v1")]);
        // At v1 the weights follow the cross-sections 0.10^2, 0.08^2, 0.07^2.
        var v1 = graph.VertexIndex("v1");
        Assert.Equal(0.01 / (0.01 + 0.0064 + 0.0049), graph.JumpWeight(v1, graph.EdgeIndex("s0")), 12);
        Assert.All(graph.Sigmas.ToArray(), s => Assert.Equal(0.1f, s));
    }

    [Fact]
    public void FirstIndexCommentsAndOtherBlocksAreHandled()
    {
        const string dgf = """
            DGF % a comment
            GRIDPARAMETER
            name tiny
            #
            VERTEX
            firstindex 1
            parameters 1
            0 0 7.5 # node 1, the parameter is ignored
            3 4 7.5
            9 9 0 % unused
            #
            SIMPLEX
            1 2
            #
            """;
        var graph = DuneGridFormat.Parse(dgf, "t.dgf");
        Assert.Equal(["v1", "v2"], graph.Vertices.Select(v => v.Id));
        Assert.Equal(5.0, graph.Edges.Single().Length, 12);
        Assert.Equal(1.0, graph.Edges.Single().Weight); // no radius: uniform weights
    }

    [Theory]
    [InlineData("VERTEX\n0 0\n#\n", "t.dgf:1: expected the keyword DGF on the first line, found \"VERTEX\"")]
    [InlineData("DGF\nVERTEX\n0 0\n1 0\n#\nSIMPLEX\n0 2\n#\n", "t.dgf:7: segment refers to vertex 2, but the VERTEX block defines 2 vertices (0..1)")]
    [InlineData("DGF\nVERTEX\n0 0\n1 x\n#\n", "t.dgf:4:3: \"x\" (field 2) is not a number")]
    [InlineData("DGF\nVERTEX\n0 0\n1 0 0\n#\n", "t.dgf:4: vertex line has 3 numbers; expected 2 coordinates and 0 parameters")]
    [InlineData("DGF\nVERTEX\n0 0\n0 0\n#\nSIMPLEX\n0 1\n#\n", "t.dgf:7: segment 0 joins vertices 0 and 1, which are at the same point: its length is 0")]
    [InlineData("DGF\nVERTEX\n0 0\n1 0\n#\nSIMPLEX\nparameters 1\n0 1 -0.5\n#\n", "t.dgf:8: segment radius (parameter 0) is -0.5; it must be greater than 0")]
    [InlineData("DGF\nVERTEX\n0 0\n1 0\n#\nSIMPLEX\nparameters 1\n0 1\n#\n", "t.dgf:8: segment line has 2 numbers; expected 2 vertex indices and 1 parameters (a network's SIMPLEX lines join two vertices)")]
    [InlineData("DGF\nVERTEX\n0 0\n1 0\n#\nSIMPLEX\n0 1.5\n#\n", "t.dgf:7: vertex index 1.5 (field 2) is not a whole number >= 0")]
    [InlineData("DGF\nINTERVAL\n0 0\n1 1\n4 4\n#\n", "t.dgf:2: an INTERVAL block describes a structured or volume grid; a network needs VERTEX and SIMPLEX blocks")]
    [InlineData("DGF\nVERTEX\n0 0\n1 0\n#\n", "t.dgf: the graph is empty: no SIMPLEX block with segments")]
    [InlineData("", "t.dgf: the file is empty; expected DGF, a VERTEX block and a SIMPLEX block")]
    public void ErrorsNameTheLineAndProblem(string dgf, string message)
    {
        Assert.Equal(message, Assert.Throws<MetricGraphFormatException>(() => DuneGridFormat.Parse(dgf, "t.dgf")).Message);
    }

    [Fact]
    public void OptionsNamingAVertexNoSegmentUsesAreRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => DuneGridFormat.Parse("DGF\nVERTEX\n0 0\n1 0\n#\nSIMPLEX\n0 1\n#\n", "t.dgf",
            new DgfOptions { AbsorbingVertices = [7] }));
        Assert.Equal("t.dgf: DgfOptions.AbsorbingVertices names vertex 7, which no segment of the file uses (unknown vertex)", error.Message);
    }
}
