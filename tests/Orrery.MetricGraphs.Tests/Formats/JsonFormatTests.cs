using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Tests.Formats;

public sealed class JsonFormatTests
{
    private const string Header = """
        {
          "format": "orrery-metric-graph",
          "version": 1,
        """;

    [Fact]
    public void TheExamplesLoad()
    {
        var star = MetricGraphFiles.Load(Example("star5-quadratic.json"));
        Assert.Equal(5, star.EdgeCount);
        Assert.Equal([-10f, -20f, -30f, -40f, -50f], star.DriftSlopes.ToArray());
        Assert.All(star.Sigmas.ToArray(), s => Assert.Equal(1f, s));

        var cycle = MetricGraphFiles.Load(Example("cycle-with-outlet.json"));
        Assert.Equal(VertexKind.Source, cycle.VertexKinds[cycle.VertexIndex("A")]);
        Assert.Equal(VertexKind.Absorbing, cycle.VertexKinds[cycle.VertexIndex("D")]);
        Assert.Equal(0.3, cycle.JumpWeight(cycle.VertexIndex("B"), cycle.EdgeIndex("BC")), 12);
        Assert.Equal(DriftKind.PiecewiseLinearPotential, cycle.DriftKinds[cycle.EdgeIndex("CA")]);
        Assert.Equal(0.5, cycle.JumpWeight(cycle.VertexIndex("C"), cycle.EdgeIndex("CA")), 12); // weight 2 of 1 + 2 + 1
    }

    [Fact]
    public void WrittenGraphsReadBackTheSame()
    {
        foreach (var graph in new[] { MetricGraphFiles.Load(Example("cycle-with-outlet.json")), MetricGraphGenerators.VesselNetwork(new VesselNetworkOptions { Edges = 31, RootVelocity = 2 }) })
        {
            var copy = MetricGraphJson.Parse(MetricGraphJson.Write(graph, "copy"), "copy.json");
            Assert.Equal(graph.Vertices.Select(v => (v.Id, v.Kind, v.Position)), copy.Vertices.Select(v => (v.Id, v.Kind, v.Position)));
            Assert.Equal(graph.Edges.Select(e => (e.Id, e.Tail, e.Head, e.Length, e.Sigma, e.Weight, e.Drift.Kind, e.Drift.Offset, e.Drift.Slope)),
                copy.Edges.Select(e => (e.Id, e.Tail, e.Head, e.Length, e.Sigma, e.Weight, e.Drift.Kind, e.Drift.Offset, e.Drift.Slope)));
            Assert.Equal(graph.JumpWeights.ToArray(), copy.JumpWeights.ToArray());
            Assert.Equal(graph.PotentialValues.ToArray(), copy.PotentialValues.ToArray());
        }
    }

    [Fact]
    public void InvalidJsonNamesTheLineAndColumn()
    {
        var json = Header + """

              "vertices": [ { "id": "a" } ],
              "edges": [ { "id": "e", "tail": "a" "head": "b" } ]
            }
            """;
        var error = Parse(json);
        Assert.StartsWith(At(json, "\"head\"") + ": invalid JSON", error.Message);
    }

    [Fact]
    public void ANegativeLengthNamesTheFieldWhereItIsWritten()
    {
        var json = Header + """

              "vertices": [ { "id": "a" }, { "id": "b" } ],
              "edges": [
                { "id": "e0", "tail": "a", "head": "b", "length": 1, "sigma": 1 },
                { "id": "e1", "tail": "a", "head": "b", "length": -2.5, "sigma": 1 }
              ]
            }
            """;
        Assert.Equal(At(json, "-2.5") + ": edges[1].length: edge \"e1\": length is -2.5; it must be greater than 0", Parse(json).Message);
    }

    [Fact]
    public void JumpWeightsThatDoNotSumToOneNameTheVertex()
    {
        var json = Header + """

              "vertices": [
                { "id": "c", "weights": { "e0": 0.7, "e1": 0.2 } },
                { "id": "x" }, { "id": "y" }
              ],
              "edges": [
                { "id": "e0", "tail": "c", "head": "x", "length": 1, "sigma": 1 },
                { "id": "e1", "tail": "c", "head": "y", "length": 1, "sigma": 1 }
              ]
            }
            """;
        Assert.Equal(At(json, "{ \"id\": \"c\"") + ": vertex \"c\": jump weights sum to 0.8999999999999999; they must sum to 1 (within 1e-6)", Parse(json).Message);
    }

    [Fact]
    public void AnUnknownVertexNamesTheEdge()
    {
        var json = Header + """

              "vertices": [ { "id": "a" } ],
              "edges": [ { "id": "e", "tail": "a", "head": "nowhere", "length": 1, "sigma": 1 } ]
            }
            """;
        Assert.Equal(At(json, "{ \"id\": \"e\"") + ": edge \"e\": head \"nowhere\" is an unknown vertex", Parse(json).Message);
    }

    [Fact]
    public void WeightsForAMissingEdgeAreADanglingReference()
    {
        var json = Header + """

              "vertices": [ { "id": "a", "weights": { "e": 0.5, "ghost": 0.5 } }, { "id": "b" } ],
              "edges": [ { "id": "e", "tail": "a", "head": "b", "length": 1, "sigma": 1 } ]
            }
            """;
        Assert.Equal(At(json, "{ \"id\": \"a\"") + ": vertex \"a\": jump weight for \"ghost\", which is an unknown edge", Parse(json).Message);
    }

    [Fact]
    public void AnAbsorbingVertexWithWeightsIsRefused()
    {
        var json = Header + """

              "vertices": [ { "id": "a", "kind": "absorbing", "weights": { "e": 1 } }, { "id": "b" } ],
              "edges": [ { "id": "e", "tail": "a", "head": "b", "length": 1, "sigma": 1 } ]
            }
            """;
        Assert.StartsWith(At(json, "{ \"id\": \"a\"") + ": vertex \"a\" is absorbing but has jump weights", Parse(json).Message);
    }

    [Theory]
    [InlineData("\"vertices\": [], \"edges\": []", null, "the graph is empty: it has no edges")]
    [InlineData("\"vertices\": [], \"edgez\": []", "\"edgez\"", "$: unknown field \"edgez\"; the fields here are \"format\", \"version\", \"name\", \"defaults\", \"vertices\", \"edges\"")]
    [InlineData("\"vertices\": []", "{", "$: the required field \"edges\" is missing")]
    [InlineData("\"vertices\": [ { \"id\": 3 } ], \"edges\": []", "3 }", "vertices[0].id: expected a string, found the number 3")]
    [InlineData("\"vertices\": [ { \"id\": \"a\", \"kind\": \"sink\" } ], \"edges\": []", "\"sink\"", "vertices[0].kind: vertex \"a\": unknown kind \"sink\"; use \"junction\", \"absorbing\" or \"source\"")]
    [InlineData("\"vertices\": [], \"edges\": [ { \"id\": \"e\", \"tail\": \"a\", \"head\": \"b\", \"length\": \"ten\", \"sigma\": 1 } ]", "\"ten\"", "edges[0].length: expected a number, found the string \"ten\"")]
    [InlineData("\"vertices\": [], \"edges\": [ { \"id\": \"e\", \"tail\": \"a\", \"head\": \"b\", \"length\": 1e999, \"sigma\": 1 } ]", "1e999", "edges[0].length: the number 1e999 is out of range")]
    [InlineData("\"vertices\": [], \"edges\": [ { \"id\": \"e\", \"tail\": \"a\", \"head\": \"b\", \"length\": 1 } ]", "{ \"id\"", "edges[0]: edge \"e\": no \"sigma\", and no \"defaults\": { \"sigma\": ... } to fall back on")]
    [InlineData("\"vertices\": [], \"edges\": [ { \"id\": \"e\", \"tail\": \"a\", \"head\": \"b\", \"length\": 1, \"sigma\": 1, \"drift\": { \"kind\": \"quadratic\" } } ]", "\"quadratic\"", "edges[0].drift.kind: edge \"e\": unknown drift kind \"quadratic\"; use \"none\", \"constant\", \"linear\" or \"potential\"")]
    public void ErrorsNameTheLineColumnAndField(string body, string? marker, string problem)
    {
        var json = Header + "\n  " + body + "\n}";
        Assert.Equal((marker is null ? "g.json" : At(json, marker)) + ": " + problem, Parse(json).Message);
    }

    [Fact]
    public void AWrongVersionAndAnEmptyFileAreRefused()
    {
        var json = Header.Replace("\"version\": 1", "\"version\": 2") + "\n\"vertices\": [], \"edges\": []\n}";
        Assert.Equal(At(json, "2,") + ": version: is 2; this reader understands version 1", Parse(json).Message);
        Assert.Equal("g.json:1: the file is empty; expected a JSON object", Parse("").Message);
    }

    /// <summary>"g.json:line:column" of the first occurrence of <paramref name="marker"/>.</summary>
    private static string At(string json, string marker)
    {
        var offset = json.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(offset >= 0, $"marker {marker} not in the test JSON");
        var line = json[..offset].Count(c => c == '\n') + 1;
        var column = offset - (json.LastIndexOf('\n', Math.Max(offset - 1, 0)) + 1) + 1;
        return $"g.json:{line}:{column}";
    }

    private static MetricGraphFormatException Parse(string json) => Assert.Throws<MetricGraphFormatException>(() => MetricGraphJson.Parse(json, "g.json"));

    internal static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "Examples", name);
}
