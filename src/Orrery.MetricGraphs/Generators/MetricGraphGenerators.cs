using System.Globalization;
using System.Numerics;
using Orrery.Compute.Random;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Generators;

/// <summary>
/// Graphs made in code: stars, binary trees, grids, random geometric graphs and vessel-like branching
/// networks (<see cref="VesselNetwork"/>). Seeded generators draw from Philox4x32-10 keyed by the seed,
/// so a seed gives the same graph on every machine. Vertex ids are "v0", "v1", ... (a star's centre is
/// "c" and its leaves "leaf0", ...); edge ids are "e0", "e1", ....
/// </summary>
public static partial class MetricGraphGenerators
{
    /// <summary>
    /// A star: centre "c" joined to leaves "leaf0" .. by edges "e0" .. of the given lengths, each edge from
    /// the centre (x = 0) to its leaf (x = L). <paramref name="weights"/> are the centre's jump weights
    /// b_e (summing to 1; default uniform). Leaves are reflecting (degree-1 junctions) unless
    /// <paramref name="leafKind"/> says otherwise. <paramref name="drifts"/> gives each edge's drift (default none).
    /// </summary>
    public static MetricGraph Star(IReadOnlyList<double> lengths, IReadOnlyList<double>? weights = null, double sigma = 1,
        VertexKind leafKind = VertexKind.Junction, IReadOnlyList<EdgeDrift>? drifts = null, VertexKind centreKind = VertexKind.Junction)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (weights is not null && weights.Count != lengths.Count)
        {
            throw new ArgumentException($"{weights.Count} weights for {lengths.Count} edges", nameof(weights));
        }

        if (drifts is not null && drifts.Count != lengths.Count)
        {
            throw new ArgumentException($"{drifts.Count} drifts for {lengths.Count} edges", nameof(drifts));
        }

        var builder = new MetricGraphBuilder();
        Dictionary<string, double>? centreWeights = null;
        if (weights is not null)
        {
            centreWeights = [];
            for (var e = 0; e < lengths.Count; e++)
            {
                centreWeights[EdgeId(e)] = weights[e];
            }
        }

        builder.AddVertex("c", centreKind, centreWeights);
        for (var e = 0; e < lengths.Count; e++)
        {
            builder.AddVertex("leaf" + e.ToString(CultureInfo.InvariantCulture), leafKind);
            builder.AddEdge(EdgeId(e), "c", "leaf" + e.ToString(CultureInfo.InvariantCulture), lengths[e], sigma, drifts?[e]);
        }

        return builder.Build();
    }

    /// <summary>A star of <paramref name="edges"/> edges of equal <paramref name="length"/> and uniform weights.</summary>
    public static MetricGraph Star(int edges, double length, double sigma = 1, VertexKind leafKind = VertexKind.Junction) =>
        Star(Enumerable.Repeat(length, edges).ToArray(), null, sigma, leafKind);

    /// <summary>
    /// A complete binary tree of the given <paramref name="depth"/> (depth 1: a root with two children):
    /// 2^(depth+1) - 1 vertices, every edge of length <paramref name="edgeLength"/> and directed away
    /// from the root "v0", uniform jump weights. The root is a source; the leaves have <paramref name="leafKind"/>.
    /// </summary>
    public static MetricGraph BinaryTree(int depth, double edgeLength = 1, double sigma = 1, VertexKind leafKind = VertexKind.Absorbing)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, 24);
        var builder = new MetricGraphBuilder();
        var vertices = (1 << (depth + 1)) - 1;
        var firstLeaf = (1 << depth) - 1;
        for (var v = 0; v < vertices; v++)
        {
            builder.AddVertex(VertexId(v), v == 0 ? VertexKind.Source : v >= firstLeaf ? leafKind : VertexKind.Junction);
        }

        for (var v = 1; v < vertices; v++)
        {
            builder.AddEdge(EdgeId(v - 1), VertexId((v - 1) / 2), VertexId(v), edgeLength, sigma);
        }

        return builder.Build();
    }

    /// <summary>
    /// A <paramref name="columns"/> x <paramref name="rows"/> grid of vertices <paramref name="spacing"/> apart
    /// (vertex "v{row * columns + column}" at (column, row) x spacing), joined to their right and upper
    /// neighbours; uniform jump weights. Vertices on the boundary have <paramref name="boundaryKind"/>.
    /// </summary>
    public static MetricGraph Grid(int columns, int rows, double spacing = 1, double sigma = 1, VertexKind boundaryKind = VertexKind.Junction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (columns * (long)rows < 2)
        {
            throw new ArgumentException("a grid needs at least two vertices");
        }

        var builder = new MetricGraphBuilder();
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var boundary = r == 0 || c == 0 || r == rows - 1 || c == columns - 1;
                builder.AddVertex(VertexId(r * columns + c), boundary ? boundaryKind : VertexKind.Junction,
                    position: new Vector3((float)(c * spacing), (float)(r * spacing), 0));
            }
        }

        var edge = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                if (c + 1 < columns)
                {
                    builder.AddEdge(EdgeId(edge++), VertexId(r * columns + c), VertexId(r * columns + c + 1), spacing, sigma);
                }

                if (r + 1 < rows)
                {
                    builder.AddEdge(EdgeId(edge++), VertexId(r * columns + c), VertexId((r + 1) * columns + c), spacing, sigma);
                }
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// A random geometric graph: <paramref name="points"/> points uniform in the unit square (point i at
    /// the uniforms of words X0, X1 of Philox(seed, stream i, draw 0)), joined when closer than
    /// <paramref name="radius"/>, edge length = distance. Only the largest connected component is kept
    /// (vertex ids keep the point numbers); uniform jump weights.
    /// </summary>
    public static MetricGraph RandomGeometric(int points, double radius, ulong seed, double sigma = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        if (!(radius > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "the radius must be greater than 0");
        }

        var xy = new Vector2[points];
        for (var i = 0; i < points; i++)
        {
            var block = Philox4x32.Generate(seed, (ulong)i, 0);
            xy[i] = new Vector2(PortableBoxMuller.Uniform(block.X0), PortableBoxMuller.Uniform(block.X1));
        }

        var pairs = new List<(int A, int B, double Distance)>();
        var parent = Enumerable.Range(0, points).ToArray();
        for (var a = 0; a < points; a++)
        {
            for (var b = a + 1; b < points; b++)
            {
                var distance = Vector2.Distance(xy[a], xy[b]);
                if (distance < radius && distance > 0)
                {
                    pairs.Add((a, b, distance));
                    parent[Find(parent, a)] = Find(parent, b);
                }
            }
        }

        var componentSize = new int[points];
        for (var i = 0; i < points; i++)
        {
            componentSize[Find(parent, i)]++;
        }

        var largest = Enumerable.Range(0, points).MaxBy(i => componentSize[i]);
        if (componentSize[largest] < 2)
        {
            throw new ArgumentException($"no two of the {points} points are closer than {radius}; raise the radius");
        }

        var builder = new MetricGraphBuilder();
        for (var i = 0; i < points; i++)
        {
            if (Find(parent, i) == largest)
            {
                builder.AddVertex(VertexId(i), position: new Vector3(xy[i], 0));
            }
        }

        var edge = 0;
        foreach (var (a, b, distance) in pairs)
        {
            if (Find(parent, a) == largest)
            {
                builder.AddEdge(EdgeId(edge++), VertexId(a), VertexId(b), distance, sigma);
            }
        }

        return builder.Build();
    }

    internal static string VertexId(int index) => "v" + index.ToString(CultureInfo.InvariantCulture);

    internal static string EdgeId(int index) => "e" + index.ToString(CultureInfo.InvariantCulture);

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }
}
