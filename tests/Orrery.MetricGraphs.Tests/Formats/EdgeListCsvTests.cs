using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Tests.Formats;

public sealed class EdgeListCsvTests
{
    [Fact]
    public void TheExampleLoadsWithAbsorbingLeaves()
    {
        var graph = EdgeListCsv.Load(JsonFormatTests.Example("star3.csv"), new EdgeListOptions { AbsorbingVertices = ["l0", "l1", "l2"] });
        Assert.Equal(["c", "l0", "l1", "l2"], graph.Vertices.Select(v => v.Id));
        Assert.Equal([VertexKind.Junction, VertexKind.Absorbing, VertexKind.Absorbing, VertexKind.Absorbing], graph.VertexKinds.ToArray());
        Assert.Equal(0.3, graph.JumpWeight(0, graph.EdgeIndex("e1")), 12);
        Assert.Equal(DriftKind.Constant, graph.DriftKinds[1]);
        Assert.Equal(-0.5f, graph.DriftOffsets[1]);
        Assert.Equal(DriftKind.PiecewiseLinearPotential, graph.DriftKinds[2]);
        Assert.Equal([0f, 0.4f, 0.1f], graph.PotentialValues.ToArray());
    }

    [Fact]
    public void ColumnsMayComeInAnyOrderAndIdsDefaultToTheRowNumber()
    {
        var graph = EdgeListCsv.Parse("sigma,length,head,tail,drift_slope\n1,2,b,a,-3\n0.5,1,c,b,\n", "g.csv");
        Assert.Equal(["e0", "e1"], graph.Edges.Select(e => e.Id));
        Assert.Equal(DriftKind.Linear, graph.DriftKinds[0]);
        Assert.Equal(-3f, graph.DriftSlopes[0]);
        Assert.Equal(DriftKind.None, graph.DriftKinds[1]);
        Assert.Equal(0.5f, graph.Sigmas[1]);
    }

    [Theory]
    [InlineData("tail,head,length,sigma\na,b,1,1\nb,c,abc,1\n", "g.csv:3:5: \"abc\" in column length is not a number")]
    [InlineData("tail,head,length,sigma\na,b,-1,1\n", "g.csv:2:5: length is -1; it must be greater than 0")]
    [InlineData("tail,head,length,sigma\na,b,0,1\n", "g.csv:2:5: length is 0; it must be greater than 0")]
    [InlineData("tail,head,length,sigma\na,b,1,0\n", "g.csv:2:7: sigma is 0; it must be greater than 0")]
    [InlineData("tail,head,length\na,b,1\n", "g.csv:1: the header has no \"sigma\" column; tail, head, length and sigma are required")]
    [InlineData("tail,head,lenght,sigma\n", "g.csv:1:11: unknown column \"lenght\"; the columns are id, tail, head, length, sigma, weight, drift, drift_offset, drift_slope, potential")]
    [InlineData("tail,head,length,sigma\na,b,1\n", "g.csv:2: this row has 3 fields, the header 4")]
    [InlineData("tail,head,length,sigma\n,b,1,1\n", "g.csv:2:1: the tail field is empty")]
    [InlineData("tail,head,length,sigma,drift\na,b,1,1,quadratic\n", "g.csv:2:9: unknown drift \"quadratic\"; use none, constant, linear or potential")]
    [InlineData("tail,head,length,sigma,potential\na,b,1,1,0:0;1\n", "g.csv:2:9: \"1\" is not a point x:V (the column holds \"x:V;x:V;...\")")]
    [InlineData("tail,head,length,sigma\na,a,1,1\n", "g.csv:2: edge \"e0\" is a loop at vertex \"a\"; loops are not supported: split it in two with a junction in the middle")]
    [InlineData("# nothing here\n\n", "g.csv: the file is empty: expected a header row (tail,head,length,sigma,...) and one row per edge")]
    [InlineData("tail,head,length,sigma\n", "g.csv: the graph is empty: it has no edges")]
    public void ErrorsNameTheLineColumnAndProblem(string csv, string message)
    {
        Assert.Equal(message, Assert.Throws<MetricGraphFormatException>(() => EdgeListCsv.Parse(csv, "g.csv")).Message);
    }

    [Fact]
    public void OptionsNamingAnUnknownVertexAreRefused()
    {
        var error = Assert.Throws<MetricGraphFormatException>(() => EdgeListCsv.Parse("tail,head,length,sigma\na,b,1,1\n", "g.csv",
            new EdgeListOptions { AbsorbingVertices = ["z"] }));
        Assert.Equal("g.csv: EdgeListOptions.AbsorbingVertices names vertex \"z\", which no edge in the file touches (unknown vertex)", error.Message);
    }
}
