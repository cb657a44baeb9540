using Orrery.Experiments;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Experiments;

public sealed partial class SamplingSpec
{
    private static readonly string[] Generators = ["star", "binary-tree", "grid", "random-geometric", "vessel"];

    /// <summary>
    /// The <c>graph</c> section: a <c>file</c> (.json, .csv, .dgf) or a <c>generator</c> with its parameters,
    /// then the overrides (<c>sigma</c>, <c>drift</c>, per-edge <c>edges</c>, and the vertex lists
    /// <c>absorbing</c>, <c>reflecting</c>, <c>sources</c>).
    /// </summary>
    private static MetricGraph ReadGraph(SpecNode node)
    {
        var file = node.Optional("file");
        var generator = node.Optional("generator");
        if ((file is null) == (generator is null))
        {
            throw node.Fail("give either 'file' (a .json, .csv or .dgf graph) or 'generator' (" + string.Join(", ", Generators) + ")");
        }

        string[] overrides = ["sigma", "drift", "edges", "absorbing", "reflecting", "sources"];
        MetricGraph graph;
        if (file is not null)
        {
            node.AllowOnly(["file", .. overrides]);
            var path = file.AsPath();
            try
            {
                graph = MetricGraphFiles.Load(path);
            }
            catch (MetricGraphFormatException e)
            {
                throw file.Fail($"cannot use the graph file {path}: {e.Message}");
            }
            catch (IOException e)
            {
                throw file.Fail($"cannot read the graph file {path}: {e.Message}");
            }
        }
        else
        {
            graph = Generate(node, generator!, overrides);
        }

        return ApplyOverrides(node, graph);
    }

    private static MetricGraph Generate(SpecNode node, SpecNode generator, string[] overrides)
    {
        var kind = generator.AsChoice(Generators);
        var sigma = node.Optional("sigma")?.AsDouble(1e-12) ?? 1;
        try
        {
            switch (kind)
            {
                case "star":
                    node.AllowOnly(["generator", "arms", "length", "lengths", "weights", "leaves", .. overrides]);
                    double[] lengths;
                    if (node.Optional("lengths") is { } lengthsNode)
                    {
                        if (node.Optional("arms") is not null || node.Optional("length") is not null)
                        {
                            throw lengthsNode.Fail("give either 'lengths' or 'arms' and 'length', not both");
                        }

                        lengths = lengthsNode.Items.Select(i => i.AsDouble(1e-12)).ToArray();
                        if (lengths.Length < 2)
                        {
                            // As 'arms' requires: one arm is a segment, not a star, and no star check applies to it.
                            throw lengthsNode.Fail($"a star needs at least 2 arms; 'lengths' gives {lengths.Length}");
                        }
                    }
                    else
                    {
                        var arms = node.Require("arms").AsInt(2, 1 << 20);
                        lengths = Enumerable.Repeat(node.Optional("length")?.AsDouble(1e-12) ?? 1, arms).ToArray();
                    }

                    double[]? weights = null;
                    if (node.Optional("weights") is { } weightsNode)
                    {
                        weights = weightsNode.Items.Select(i => i.AsDouble(0)).ToArray();
                        if (weights.Length != lengths.Length)
                        {
                            throw weightsNode.Fail($"{weights.Length} weights for {lengths.Length} arms");
                        }
                    }

                    return MetricGraphGenerators.Star(lengths, weights, sigma, Ends(node.Optional("leaves")));
                case "binary-tree":
                    node.AllowOnly(["generator", "depth", "edge_length", "leaves", .. overrides]);
                    return MetricGraphGenerators.BinaryTree(node.Require("depth").AsInt(1, 20), node.Optional("edge_length")?.AsDouble(1e-12) ?? 1, sigma,
                        node.Optional("leaves") is { } leaves ? Ends(leaves) : VertexKind.Absorbing);
                case "grid":
                    node.AllowOnly(["generator", "columns", "rows", "spacing", "boundary", .. overrides]);
                    return MetricGraphGenerators.Grid(node.Require("columns").AsInt(1, 4096), node.Require("rows").AsInt(1, 4096),
                        node.Optional("spacing")?.AsDouble(1e-12) ?? 1, sigma, Ends(node.Optional("boundary")));
                case "random-geometric":
                    node.AllowOnly(["generator", "points", "radius", "seed", .. overrides]);
                    return MetricGraphGenerators.RandomGeometric(node.Require("points").AsInt(2, 100_000), node.Require("radius").AsDouble(1e-12, 2),
                        (ulong)(node.Optional("seed")?.AsLong(0) ?? 1), sigma);
                default:
                    node.AllowOnly(["generator", "segments", "seed", "root_radius", "root_velocity", "outlets", .. overrides]);
                    return MetricGraphGenerators.VesselNetwork(new VesselNetworkOptions
                    {
                        Edges = OddSegments(node.Optional("segments")),
                        Seed = (ulong)(node.Optional("seed")?.AsLong(0) ?? 1),
                        RootRadius = node.Optional("root_radius")?.AsDouble(1e-12) ?? 1,
                        RootVelocity = node.Optional("root_velocity")?.AsDouble() ?? 0,
                        AbsorbingOutlets = node.Optional("outlets") is not { } outlets || Ends(outlets) == VertexKind.Absorbing,
                        Sigma = sigma,
                    });
            }
        }
        catch (Exception e) when (e is ArgumentException or MetricGraphFormatException)
        {
            throw generator.Fail($"the {kind} generator refused its parameters: {e.Message}");
        }
    }

    private static int OddSegments(SpecNode? node)
    {
        if (node is null)
        {
            return 1701;
        }

        var segments = node.AsInt(1, 1_000_001);
        return segments % 2 == 1 ? segments : throw node.Fail($"{segments} segments: a branching tree has an odd number (1 root + 2 per bifurcation)");
    }

    /// <summary>Ends of a generated graph: "reflecting" (degree-1 junctions, the default) or "absorbing".</summary>
    private static VertexKind Ends(SpecNode? node) =>
        node?.AsChoice("reflecting", "absorbing") == "absorbing" ? VertexKind.Absorbing : VertexKind.Junction;

    /// <summary>The overrides of the <c>graph</c> section applied to the loaded or generated graph.</summary>
    private static MetricGraph ApplyOverrides(SpecNode node, MetricGraph graph)
    {
        var kinds = ReadVertexKinds(node, graph);
        var sigmas = graph.Edges.Select(e => e.Sigma).ToArray();
        var drifts = graph.Edges.Select(e => e.Drift).ToArray();
        var edgesChanged = ReadEdgeOverrides(node, graph, sigmas, drifts);
        return !edgesChanged && kinds.Count == 0 ? graph : Rebuild(node, graph, kinds, sigmas, drifts);
    }

    /// <summary>The vertex lists <c>absorbing</c>, <c>reflecting</c> and <c>sources</c>: vertex index to its new kind.</summary>
    private static Dictionary<int, VertexKind> ReadVertexKinds(SpecNode node, MetricGraph graph)
    {
        var kinds = new Dictionary<int, VertexKind>();
        foreach (var (field, kind) in new[] { ("absorbing", VertexKind.Absorbing), ("reflecting", VertexKind.Junction), ("sources", VertexKind.Source) })
        {
            foreach (var item in node.Optional(field)?.Items ?? [])
            {
                if (!graph.TryGetVertexIndex(item.AsString(), out var v))
                {
                    throw item.Fail($"the graph has no vertex \"{item.Text}\"{Known(graph.Vertices.Select(x => x.Id))}");
                }

                if (kinds.TryGetValue(v, out var earlier) && earlier != kind)
                {
                    throw item.Fail($"vertex \"{item.Text}\" is listed twice with different kinds");
                }

                kinds[v] = kind;
            }
        }

        return kinds;
    }

    /// <summary>
    /// <c>sigma</c> (for a graph file; a generator takes it as a parameter), <c>drift</c> for every edge, then the
    /// per-edge <c>edges</c> entries, written into <paramref name="sigmas"/> and <paramref name="drifts"/>; true when any was given.
    /// </summary>
    private static bool ReadEdgeOverrides(SpecNode node, MetricGraph graph, double[] sigmas, EdgeDrift[] drifts)
    {
        var sigmaNode = node.Optional("generator") is null ? node.Optional("sigma") : null;
        var driftNode = node.Optional("drift");
        var edgesNode = node.Optional("edges");
        if (sigmaNode is not null)
        {
            Array.Fill(sigmas, sigmaNode.AsDouble(1e-12));
        }

        if (driftNode is not null)
        {
            var drift = ReadDrift(driftNode);
            for (var e = 0; e < drifts.Length; e++)
            {
                drifts[e] = drift(graph.Edges[e].Length);
            }
        }

        foreach (var id in edgesNode?.Keys ?? [])
        {
            var edgeNode = edgesNode!.Require(id);
            if (!graph.TryGetEdgeIndex(id, out var e))
            {
                throw edgeNode.Fail($"the graph has no edge \"{id}\"{Known(graph.Edges.Select(x => x.Id))}");
            }

            edgeNode.AllowOnly("sigma", "drift");
            if (edgeNode.Optional("sigma") is { } s)
            {
                sigmas[e] = s.AsDouble(1e-12);
            }

            if (edgeNode.Optional("drift") is { } d)
            {
                drifts[e] = ReadDrift(d)(graph.Edges[e].Length);
            }
        }

        return sigmaNode is not null || driftNode is not null || edgesNode is not null;
    }

    /// <summary>The graph again with the new vertex kinds, sigmas and drifts (jump weights kept where they apply).</summary>
    private static MetricGraph Rebuild(SpecNode node, MetricGraph graph, Dictionary<int, VertexKind> kinds, double[] sigmas, EdgeDrift[] drifts)
    {
        var builder = new MetricGraphBuilder(graph.FileName);
        for (var v = 0; v < graph.VertexCount; v++)
        {
            var vertex = graph.Vertices[v];
            var kind = kinds.GetValueOrDefault(v, vertex.Kind);

            // Keep the jump weights a vertex had; a vertex that was absorbing gets the edge-weight rule.
            Dictionary<string, double>? weights = null;
            if (kind != VertexKind.Absorbing && vertex.Kind != VertexKind.Absorbing)
            {
                weights = [];
                for (var i = graph.IncidenceOffsets[v]; i < graph.IncidenceOffsets[v + 1]; i++)
                {
                    var edgeId = graph.Edges[graph.IncidenceEdges[i]].Id;
                    weights[edgeId] = weights.GetValueOrDefault(edgeId) + graph.JumpWeights[i];
                }
            }

            builder.AddVertex(vertex.Id, kind, weights, vertex.Position, vertex.Location);
        }

        for (var e = 0; e < graph.EdgeCount; e++)
        {
            var edge = graph.Edges[e];
            builder.AddEdge(edge.Id, graph.Vertices[edge.Tail].Id, graph.Vertices[edge.Head].Id, edge.Length, sigmas[e], drifts[e], edge.Weight, edge.Location);
        }

        try
        {
            return builder.Build();
        }
        catch (MetricGraphFormatException e)
        {
            throw node.Fail($"the graph with these overrides is not usable: {e.Message}");
        }
    }

    /// <summary>A drift: <c>{kind: none}</c>, <c>{kind: constant, velocity: u}</c>, <c>{kind: linear, slope: c, offset: o}</c>, <c>{kind: potential, points: [[x, V], ...]}</c>.</summary>
    private static Func<double, EdgeDrift> ReadDrift(SpecNode node)
    {
        var kind = node.Require("kind").AsChoice("none", "constant", "linear", "potential");
        switch (kind)
        {
            case "none":
                node.AllowOnly("kind");
                return _ => EdgeDrift.None;
            case "constant":
                node.AllowOnly("kind", "velocity");
                var velocity = node.Require("velocity").AsDouble();
                return _ => EdgeDrift.Constant(velocity);
            case "linear":
                node.AllowOnly("kind", "slope", "offset");
                var slope = node.Require("slope").AsDouble();
                var offset = node.Optional("offset")?.AsDouble() ?? 0;
                return _ => EdgeDrift.Linear(slope, offset);
            default:
                node.AllowOnly("kind", "points");
                var pointsNode = node.Require("points");
                var points = pointsNode.Items.Select(p =>
                {
                    var pair = p.Items;
                    return pair.Count == 2 ? new PotentialPoint(pair[0].AsDouble(), pair[1].AsDouble()) : throw p.Fail("a point is [x, V]");
                }).ToArray();
                return length =>
                {
                    try
                    {
                        return EdgeDrift.PiecewiseLinearPotential(points);
                    }
                    catch (ArgumentException e)
                    {
                        throw pointsNode.Fail(e.Message);
                    }
                };
        }
    }

    private static string Known(IEnumerable<string> ids)
    {
        var list = ids.Take(8).ToList();
        return list.Count == 0 ? "" : $"; it has {string.Join(", ", list)}{(ids.Skip(8).Any() ? ", ..." : "")}";
    }
}
