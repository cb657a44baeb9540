using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Formats;

/// <summary>
/// Orrery's JSON graph format (version 1), described in src/Orrery.MetricGraphs/README.md with an example
/// in Examples/. Unknown fields are refused (a misspelt "lenght" would otherwise be ignored); every error
/// names the file, line, column and the field's path.
/// </summary>
public static class MetricGraphJson
{
    /// <summary>The value of the "format" field.</summary>
    public const string FormatName = "orrery-metric-graph";

    /// <summary>The format version this code reads and writes.</summary>
    public const int Version = 1;

    /// <summary>Reads a graph from a JSON file.</summary>
    /// <exception cref="MetricGraphFormatException">The file is not a valid graph.</exception>
    public static MetricGraph Load(string path) => Parse(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>Reads a graph from JSON text; <paramref name="fileName"/> is named in errors.</summary>
    public static MetricGraph Parse(string json, string? fileName = null) => Parse(Encoding.UTF8.GetBytes(json), fileName);

    /// <summary>Reads a graph from UTF-8 JSON; <paramref name="fileName"/> is named in errors.</summary>
    public static MetricGraph Parse(ReadOnlySpan<byte> utf8, string? fileName = null)
    {
        var root = PositionedJsonReader.Parse(utf8, fileName);
        root.RequireKind(JsonNodeKind.Object, "a graph object");
        root.AllowOnly("format", "version", "name", "defaults", "vertices", "edges");
        var format = root.Required("format");
        if (format.AsString() != FormatName)
        {
            throw format.Error($"is \"{format.Text}\"; expected \"{FormatName}\"");
        }

        var version = root.Required("version");
        if (version.AsNumber() != Version)
        {
            throw version.Error($"is {version.Text}; this reader understands version {Version}");
        }

        double? defaultSigma = null;
        var defaultWeight = 1.0;
        if (root.Member("defaults") is { } defaults)
        {
            defaults.RequireKind(JsonNodeKind.Object, "an object");
            defaults.AllowOnly("sigma", "weight");
            defaultSigma = defaults.Member("sigma")?.AsNumber();
            defaultWeight = defaults.Member("weight")?.AsNumber() ?? 1.0;
        }

        _ = root.Member("name")?.AsString();
        var builder = new MetricGraphBuilder(fileName);
        var vertices = root.Required("vertices");
        vertices.RequireKind(JsonNodeKind.Array, "an array of vertices");
        foreach (var vertex in vertices.Items)
        {
            ReadVertex(builder, vertex);
        }

        var edges = root.Required("edges");
        edges.RequireKind(JsonNodeKind.Array, "an array of edges");
        foreach (var edge in edges.Items)
        {
            ReadEdge(builder, edge, defaultSigma, defaultWeight);
        }

        return builder.Build();
    }

    /// <summary>Writes <paramref name="graph"/> as indented JSON (jump weights only where they differ from the edge-weight rule).</summary>
    public static string Write(MetricGraph graph, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", FormatName);
            writer.WriteNumber("version", Version);
            if (name is not null)
            {
                writer.WriteString("name", name);
            }

            writer.WriteStartArray("vertices");
            for (var v = 0; v < graph.VertexCount; v++)
            {
                WriteVertex(writer, graph, v);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("edges");
            foreach (var edge in graph.Edges)
            {
                WriteEdge(writer, graph, edge);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void ReadVertex(MetricGraphBuilder builder, JsonNode node)
    {
        node.RequireKind(JsonNodeKind.Object, "a vertex object");
        node.AllowOnly("id", "kind", "weights", "position");
        var id = node.Required("id").AsString();
        var kind = VertexKind.Junction;
        if (node.Member("kind") is { } kindNode)
        {
            kind = kindNode.AsString() switch
            {
                "junction" => VertexKind.Junction,
                "absorbing" => VertexKind.Absorbing,
                "source" => VertexKind.Source,
                var other => throw kindNode.Error($"vertex \"{id}\": unknown kind \"{other}\"; use \"junction\", \"absorbing\" or \"source\""),
            };
        }

        Dictionary<string, double>? weights = null;
        if (node.Member("weights") is { } weightsNode)
        {
            weightsNode.RequireKind(JsonNodeKind.Object, "an object mapping edge ids to jump weights");
            weights = [];
            foreach (var (edgeId, _, value) in weightsNode.Members)
            {
                weights[edgeId] = value.AsNumber();
            }
        }

        Vector3? position = null;
        if (node.Member("position") is { } positionNode)
        {
            positionNode.RequireKind(JsonNodeKind.Array, "an array [x, y] or [x, y, z]");
            if (positionNode.Items.Count is < 1 or > 3)
            {
                throw positionNode.Error($"has {positionNode.Items.Count} coordinates; give 1 to 3");
            }

            var c = positionNode.Items.Select(i => (float)i.AsNumber()).Concat([0f, 0f]).ToArray();
            position = new Vector3(c[0], c[1], c[2]);
        }

        builder.AddVertex(id, kind, weights, position, node.Location);
    }

    private static void ReadEdge(MetricGraphBuilder builder, JsonNode node, double? defaultSigma, double defaultWeight)
    {
        node.RequireKind(JsonNodeKind.Object, "an edge object");
        node.AllowOnly("id", "tail", "head", "length", "sigma", "weight", "drift");
        var id = node.Required("id").AsString();
        var tail = node.Required("tail").AsString();
        var head = node.Required("head").AsString();
        var lengthNode = node.Required("length");
        var length = lengthNode.AsNumber();
        if (!(length > 0))
        {
            throw lengthNode.Error($"edge \"{id}\": length is {lengthNode.Text}; it must be greater than 0");
        }

        var sigmaNode = node.Member("sigma");
        var sigma = sigmaNode?.AsNumber() ?? defaultSigma
            ?? throw node.Error($"edge \"{id}\": no \"sigma\", and no \"defaults\": {{ \"sigma\": ... }} to fall back on");
        if (sigmaNode is not null && !(sigma > 0))
        {
            throw sigmaNode.Error($"edge \"{id}\": sigma is {sigmaNode.Text}; it must be greater than 0");
        }

        var weight = node.Member("weight")?.AsNumber() ?? defaultWeight;
        var drift = node.Member("drift") is { } driftNode ? ReadDrift(driftNode, id) : EdgeDrift.None;
        builder.AddEdge(id, tail, head, length, sigma, drift, weight, node.Location);
    }

    private static EdgeDrift ReadDrift(JsonNode node, string edgeId)
    {
        node.RequireKind(JsonNodeKind.Object, "a drift object");
        var kindNode = node.Required("kind");
        switch (kindNode.AsString())
        {
            case "none":
                node.AllowOnly("kind");
                return EdgeDrift.None;
            case "constant":
                node.AllowOnly("kind", "velocity");
                return EdgeDrift.Constant(node.Required("velocity").AsNumber());
            case "linear":
                node.AllowOnly("kind", "slope", "offset");
                return EdgeDrift.Linear(node.Required("slope").AsNumber(), node.Member("offset")?.AsNumber() ?? 0);
            case "potential":
                node.AllowOnly("kind", "points");
                var points = node.Required("points");
                points.RequireKind(JsonNodeKind.Array, "an array of [x, V] pairs");
                return EdgeDrift.PiecewiseLinearPotential(points.Items.Select(p =>
                {
                    p.RequireKind(JsonNodeKind.Array, "a pair [x, V]");
                    if (p.Items.Count != 2)
                    {
                        throw p.Error($"has {p.Items.Count} numbers; a potential point is a pair [x, V]");
                    }

                    return new PotentialPoint(p.Items[0].AsNumber(), p.Items[1].AsNumber());
                }).ToArray());
            case var other:
                throw kindNode.Error($"edge \"{edgeId}\": unknown drift kind \"{other}\"; use \"none\", \"constant\", \"linear\" or \"potential\"");
        }
    }

    private static void WriteVertex(Utf8JsonWriter writer, MetricGraph graph, int v)
    {
        var vertex = graph.Vertices[v];
        writer.WriteStartObject();
        writer.WriteString("id", vertex.Id);
        writer.WriteString("kind", vertex.Kind switch
        {
            VertexKind.Absorbing => "absorbing",
            VertexKind.Source => "source",
            _ => "junction",
        });
        if (vertex.Kind != VertexKind.Absorbing && !FollowsEdgeWeights(graph, v))
        {
            writer.WriteStartObject("weights");
            for (var i = graph.IncidenceOffsets[v]; i < graph.IncidenceOffsets[v + 1]; i++)
            {
                writer.WriteNumber(graph.Edges[graph.IncidenceEdges[i]].Id, graph.JumpWeights[i]);
            }

            writer.WriteEndObject();
        }

        if (vertex.Position is { } p)
        {
            writer.WriteStartArray("position");
            writer.WriteNumberValue(p.X);
            writer.WriteNumberValue(p.Y);
            writer.WriteNumberValue(p.Z);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteEdge(Utf8JsonWriter writer, MetricGraph graph, MetricGraphEdge edge)
    {
        writer.WriteStartObject();
        writer.WriteString("id", edge.Id);
        writer.WriteString("tail", graph.Vertices[edge.Tail].Id);
        writer.WriteString("head", graph.Vertices[edge.Head].Id);
        writer.WriteNumber("length", edge.Length);
        writer.WriteNumber("sigma", edge.Sigma);
        if (edge.Weight != 1)
        {
            writer.WriteNumber("weight", edge.Weight);
        }

        var drift = edge.Drift;
        if (drift.Kind != DriftKind.None)
        {
            writer.WriteStartObject("drift");
            switch (drift.Kind)
            {
                case DriftKind.Constant:
                    writer.WriteString("kind", "constant");
                    writer.WriteNumber("velocity", drift.Offset);
                    break;
                case DriftKind.Linear:
                    writer.WriteString("kind", "linear");
                    writer.WriteNumber("slope", drift.Slope);
                    writer.WriteNumber("offset", drift.Offset);
                    break;
                default:
                    writer.WriteString("kind", "potential");
                    writer.WriteStartArray("points");
                    foreach (var point in drift.Points)
                    {
                        writer.WriteStartArray();
                        writer.WriteNumberValue(point.X);
                        writer.WriteNumberValue(point.V);
                        writer.WriteEndArray();
                    }

                    writer.WriteEndArray();
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static bool FollowsEdgeWeights(MetricGraph graph, int v)
    {
        var total = 0.0;
        for (var i = graph.IncidenceOffsets[v]; i < graph.IncidenceOffsets[v + 1]; i++)
        {
            total += graph.Edges[graph.IncidenceEdges[i]].Weight;
        }

        for (var i = graph.IncidenceOffsets[v]; i < graph.IncidenceOffsets[v + 1]; i++)
        {
            if (Math.Abs(graph.JumpWeights[i] - graph.Edges[graph.IncidenceEdges[i]].Weight / total) > 1e-15)
            {
                return false;
            }
        }

        return true;
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
