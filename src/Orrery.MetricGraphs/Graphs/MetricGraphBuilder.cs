using System.Globalization;
using System.Numerics;

namespace Orrery.MetricGraphs.Graphs;

/// <summary>
/// Collects vertices and edges (from a loader, a generator or code) and builds an immutable
/// <see cref="MetricGraph"/>, refusing anything the sampler cannot use with a
/// <see cref="MetricGraphFormatException"/> that names where the element was defined.
/// Edges may name vertices added later; everything is resolved in <see cref="Build"/>.
/// </summary>
public sealed class MetricGraphBuilder
{
    /// <summary>
    /// How far explicit jump weights at a vertex may sum from 1: |sum - 1| &lt;= 1e-6. Weights within
    /// the tolerance are divided by their sum, so the sampler uses weights that sum to 1 exactly.
    /// </summary>
    public const double WeightSumTolerance = 1e-6;

    /// <summary>
    /// How far the last point of a piecewise-linear potential may be from the edge's end, relative to the
    /// length: |x_last - L| &lt;= 1e-6 L (the point is then moved to L exactly).
    /// </summary>
    public const double PotentialEndTolerance = 1e-6;

    private readonly List<VertexDefinition> _vertices = [];
    private readonly List<EdgeDefinition> _edges = [];

    /// <summary>Creates a builder; <paramref name="fileName"/> (if any) is named in error messages.</summary>
    public MetricGraphBuilder(string? fileName = null)
    {
        FileName = fileName;
    }

    /// <summary>The file named in error messages, or null.</summary>
    public string? FileName { get; }

    /// <summary>Number of vertices added so far.</summary>
    public int VertexCount => _vertices.Count;

    /// <summary>Number of edges added so far.</summary>
    public int EdgeCount => _edges.Count;

    /// <summary>
    /// Adds a vertex. <paramref name="jumpWeights"/> maps each incident edge's id to b_{v,e}; they must
    /// sum to 1 within <see cref="WeightSumTolerance"/>. Without them a junction or source uses
    /// b_{v,e} proportional to the edges' <see cref="MetricGraphEdge.Weight"/>. Absorbing vertices take no weights.
    /// </summary>
    public MetricGraphBuilder AddVertex(string id, VertexKind kind = VertexKind.Junction, IReadOnlyDictionary<string, double>? jumpWeights = null,
        Vector3? position = null, SourceLocation? location = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        _vertices.Add(new VertexDefinition(id, kind, jumpWeights, position, location ?? new SourceLocation(FileName, 0)));
        return this;
    }

    /// <summary>Adds an edge from <paramref name="tail"/> (x = 0) to <paramref name="head"/> (x = <paramref name="length"/>).</summary>
    public MetricGraphBuilder AddEdge(string id, string tail, string head, double length, double sigma, EdgeDrift? drift = null, double weight = 1,
        SourceLocation? location = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(tail);
        ArgumentNullException.ThrowIfNull(head);
        _edges.Add(new EdgeDefinition(id, tail, head, length, sigma, drift ?? EdgeDrift.None, weight, location ?? new SourceLocation(FileName, 0)));
        return this;
    }

    /// <summary>True if a vertex with this id was added.</summary>
    public bool HasVertex(string id) => _vertices.Exists(v => v.Id == id);

    /// <summary>Checks everything and builds the graph.</summary>
    /// <exception cref="MetricGraphFormatException">The description is not usable; the message says where and why.</exception>
    public MetricGraph Build()
    {
        var fileOnly = new SourceLocation(FileName, 0);
        if (_edges.Count == 0)
        {
            throw new MetricGraphFormatException(fileOnly, "the graph is empty: it has no edges");
        }

        var vertices = BuildVertices(out var vertexIndex);
        var edges = BuildEdges(vertexIndex, out var edgeIndex);
        var (offsets, incidenceEdges, incidenceEnds) = BuildIncidence(vertices, edges);
        var jumpWeights = new double[incidenceEdges.Length];
        for (var v = 0; v < vertices.Length; v++)
        {
            FillJumpWeights(v, _vertices[v], edges, edgeIndex, offsets, incidenceEdges, jumpWeights);
        }

        return new MetricGraph(FileName, vertices, edges, offsets, incidenceEdges, incidenceEnds, jumpWeights);
    }

    /// <summary>Checks the vertices in the order they were added; <paramref name="vertexIndex"/> maps each id to its index.</summary>
    private MetricGraphVertex[] BuildVertices(out Dictionary<string, int> vertexIndex)
    {
        vertexIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var vertices = new MetricGraphVertex[_vertices.Count];
        for (var i = 0; i < _vertices.Count; i++)
        {
            var v = _vertices[i];
            if (v.Id.Length == 0)
            {
                throw new MetricGraphFormatException(v.Location, "a vertex has an empty id");
            }

            if (!vertexIndex.TryAdd(v.Id, i))
            {
                throw new MetricGraphFormatException(v.Location, $"vertex \"{v.Id}\" is defined twice (first at {Describe(_vertices[vertexIndex[v.Id]].Location)})");
            }

            if (!Enum.IsDefined(v.Kind))
            {
                throw new MetricGraphFormatException(v.Location, $"vertex \"{v.Id}\" has kind {(int)v.Kind}, which is not a vertex kind");
            }

            if (v.Kind == VertexKind.Absorbing && v.JumpWeights is not null)
            {
                throw new MetricGraphFormatException(v.Location,
                    $"vertex \"{v.Id}\" is absorbing but has jump weights; particles leave the graph there, so remove the weights or make it a junction");
            }

            vertices[i] = new MetricGraphVertex(v.Id, v.Kind, v.Position, v.Location);
        }

        return vertices;
    }

    /// <summary>Checks the edges in the order they were added, resolving their ends; <paramref name="edgeIndex"/> maps each id to its index.</summary>
    private MetricGraphEdge[] BuildEdges(Dictionary<string, int> vertexIndex, out Dictionary<string, int> edgeIndex)
    {
        edgeIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var edges = new MetricGraphEdge[_edges.Count];
        for (var i = 0; i < _edges.Count; i++)
        {
            var e = _edges[i];
            if (e.Id.Length == 0)
            {
                throw new MetricGraphFormatException(e.Location, "an edge has an empty id");
            }

            if (!edgeIndex.TryAdd(e.Id, i))
            {
                throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\" is defined twice (first at {Describe(_edges[edgeIndex[e.Id]].Location)})");
            }

            if (!vertexIndex.TryGetValue(e.Tail, out var tail))
            {
                throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": tail \"{e.Tail}\" is an unknown vertex");
            }

            if (!vertexIndex.TryGetValue(e.Head, out var head))
            {
                throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": head \"{e.Head}\" is an unknown vertex");
            }

            if (tail == head)
            {
                throw new MetricGraphFormatException(e.Location,
                    $"edge \"{e.Id}\" is a loop at vertex \"{e.Tail}\"; loops are not supported: split it in two with a junction in the middle");
            }

            RequirePositive(e.Location, e, "length", e.Length);
            RequirePositive(e.Location, e, "sigma", e.Sigma);
            if (!double.IsFinite(e.Weight) || e.Weight <= 0)
            {
                throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": weight is {Format(e.Weight)}; it must be a finite number greater than 0");
            }

            var drift = CheckDrift(e);
            edges[i] = new MetricGraphEdge(e.Id, tail, head, e.Length, e.Sigma, drift, e.Weight, e.Location);
        }

        return edges;
    }

    /// <summary>
    /// Incidence in CSR order: vertex by vertex, edges in index order; vertex v's incident edges and the end of each
    /// that touches v are at [offsets[v], offsets[v + 1]). A vertex without edges is refused.
    /// </summary>
    private static (int[] Offsets, int[] IncidenceEdges, EdgeEnd[] IncidenceEnds) BuildIncidence(MetricGraphVertex[] vertices, MetricGraphEdge[] edges)
    {
        var degree = new int[vertices.Length];
        foreach (var e in edges)
        {
            degree[e.Tail]++;
            degree[e.Head]++;
        }

        var offsets = new int[vertices.Length + 1];
        for (var v = 0; v < vertices.Length; v++)
        {
            if (degree[v] == 0)
            {
                throw new MetricGraphFormatException(vertices[v].Location, $"vertex \"{vertices[v].Id}\" has no edges; remove it or connect it");
            }

            offsets[v + 1] = offsets[v] + degree[v];
        }

        var incidenceEdges = new int[offsets[^1]];
        var incidenceEnds = new EdgeEnd[offsets[^1]];
        var fill = offsets[..^1].ToArray();
        for (var e = 0; e < edges.Length; e++)
        {
            incidenceEdges[fill[edges[e].Tail]] = e;
            incidenceEnds[fill[edges[e].Tail]++] = EdgeEnd.Tail;
            incidenceEdges[fill[edges[e].Head]] = e;
            incidenceEnds[fill[edges[e].Head]++] = EdgeEnd.Head;
        }

        return (offsets, incidenceEdges, incidenceEnds);
    }

    private static void FillJumpWeights(int v, VertexDefinition vertex, MetricGraphEdge[] edges, Dictionary<string, int> edgeIndex,
        int[] offsets, int[] incidenceEdges, double[] jumpWeights)
    {
        int first = offsets[v], last = offsets[v + 1];
        if (vertex.Kind == VertexKind.Absorbing)
        {
            return;
        }

        if (vertex.JumpWeights is null)
        {
            var total = 0.0;
            for (var i = first; i < last; i++)
            {
                total += edges[incidenceEdges[i]].Weight;
            }

            for (var i = first; i < last; i++)
            {
                jumpWeights[i] = edges[incidenceEdges[i]].Weight / total;
            }

            return;
        }

        var sum = 0.0;
        foreach (var (edgeId, weight) in vertex.JumpWeights)
        {
            if (!edgeIndex.TryGetValue(edgeId, out var e))
            {
                throw new MetricGraphFormatException(vertex.Location, $"vertex \"{vertex.Id}\": jump weight for \"{edgeId}\", which is an unknown edge");
            }

            if (edges[e].Tail != v && edges[e].Head != v)
            {
                throw new MetricGraphFormatException(vertex.Location,
                    $"vertex \"{vertex.Id}\": jump weight for edge \"{edgeId}\", which does not touch this vertex");
            }

            if (!double.IsFinite(weight) || weight < 0)
            {
                throw new MetricGraphFormatException(vertex.Location,
                    $"vertex \"{vertex.Id}\": jump weight for edge \"{edgeId}\" is {Format(weight)}; it must be a finite number >= 0");
            }

            sum += weight;
        }

        for (var i = first; i < last; i++)
        {
            if (!vertex.JumpWeights.ContainsKey(edges[incidenceEdges[i]].Id))
            {
                throw new MetricGraphFormatException(vertex.Location,
                    $"vertex \"{vertex.Id}\": no jump weight for incident edge \"{edges[incidenceEdges[i]].Id}\"; give every incident edge a weight (0 is allowed)");
            }
        }

        if (Math.Abs(sum - 1) > WeightSumTolerance)
        {
            throw new MetricGraphFormatException(vertex.Location,
                $"vertex \"{vertex.Id}\": jump weights sum to {Format(sum)}; they must sum to 1 (within {WeightSumTolerance:0e0})");
        }

        for (var i = first; i < last; i++)
        {
            jumpWeights[i] = vertex.JumpWeights[edges[incidenceEdges[i]].Id] / sum;
        }
    }

    private static EdgeDrift CheckDrift(EdgeDefinition e)
    {
        var drift = e.Drift;
        switch (drift.Kind)
        {
            case DriftKind.None:
                return drift;
            case DriftKind.Constant:
            case DriftKind.Linear:
                if (!double.IsFinite(drift.Offset) || !double.IsFinite(drift.Slope) || !float.IsFinite((float)drift.Offset) || !float.IsFinite((float)drift.Slope))
                {
                    throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": drift parameters must be finite single-precision numbers");
                }

                return drift;
            case DriftKind.PiecewiseLinearPotential:
                var points = drift.Points;
                if (points.Count < 2)
                {
                    throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": a piecewise-linear potential needs at least 2 points, at x = 0 and x = length; it has {points.Count}");
                }

                if (points[0].X != 0)
                {
                    throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": the potential's first point is at x = {Format(points[0].X)}; it must be at x = 0");
                }

                for (var k = 0; k < points.Count; k++)
                {
                    if (!double.IsFinite(points[k].X) || !double.IsFinite(points[k].V))
                    {
                        throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": potential point {k} is not finite");
                    }

                    if (k > 0 && !(points[k].X > points[k - 1].X))
                    {
                        throw new MetricGraphFormatException(e.Location,
                            $"edge \"{e.Id}\": potential point {k} is at x = {Format(points[k].X)}, not after point {k - 1} at x = {Format(points[k - 1].X)}; positions must increase");
                    }
                }

                var end = points[^1].X;
                if (Math.Abs(end - e.Length) > PotentialEndTolerance * e.Length)
                {
                    throw new MetricGraphFormatException(e.Location,
                        $"edge \"{e.Id}\": the potential's last point is at x = {Format(end)}; it must be at the edge's length {Format(e.Length)} (within a relative {PotentialEndTolerance:0e0})");
                }

                var snapped = points.ToArray();
                snapped[^1] = snapped[^1] with { X = e.Length };
                if (snapped.Length > 2 && !(snapped[^1].X > snapped[^2].X))
                {
                    throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": the potential's last two points coincide at the edge's end");
                }

                return EdgeDrift.PiecewiseLinearPotential(snapped);
            default:
                throw new MetricGraphFormatException(e.Location, $"edge \"{e.Id}\": drift kind {(int)drift.Kind} is not a drift kind");
        }
    }

    private static void RequirePositive(SourceLocation location, EdgeDefinition e, string field, double value)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new MetricGraphFormatException(location, $"edge \"{e.Id}\": {field} is {Format(value)}; it must be a finite number greater than 0");
        }

        var single = (float)value;
        if (!(single > 0) || !float.IsFinite(single))
        {
            throw new MetricGraphFormatException(location,
                $"edge \"{e.Id}\": {field} is {Format(value)}, which single precision (the sampler's) cannot hold; rescale the units");
        }
    }

    private static string Describe(SourceLocation location) => location.Line > 0 ? "line " + location.Line : "an earlier definition";

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private sealed record VertexDefinition(string Id, VertexKind Kind, IReadOnlyDictionary<string, double>? JumpWeights, Vector3? Position, SourceLocation Location);

    private sealed record EdgeDefinition(string Id, string Tail, string Head, double Length, double Sigma, EdgeDrift Drift, double Weight, SourceLocation Location);
}
