using Orrery.Compute.Random;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// Where each particle starts. Placement is a function of (seed, particle id) only, drawn from the block
/// <see cref="ParticleRandom.InitialBlock"/>: X0 picks the source vertex (index floor(u0 S), S sources)
/// or the edge (first e with u0 &lt; cumulative mass), X1 the position x = u1 * L_e in single precision, X2
/// the edge at a start vertex (first incidence with u2 &lt; cumulative jump weight). A particle that starts
/// at a vertex sits at the chosen edge's end there (x = 0 or x = L_e), so its first move goes into that edge.
/// </summary>
public sealed class InitialCondition
{
    private readonly double[] _cumulativeMass;

    private InitialCondition(InitialConditionKind kind, int vertex, int edge, float position, double[] cumulativeMass)
    {
        Kind = kind;
        Vertex = vertex;
        Edge = edge;
        Position = position;
        _cumulativeMass = cumulativeMass;
    }

    /// <summary>The kind of start.</summary>
    public InitialConditionKind Kind { get; }

    /// <summary>The start vertex for <see cref="InitialConditionKind.AtVertex"/>, -1 otherwise.</summary>
    public int Vertex { get; }

    /// <summary>The start edge for <see cref="InitialConditionKind.AtPoint"/>, -1 otherwise.</summary>
    public int Edge { get; }

    /// <summary>The start position for <see cref="InitialConditionKind.AtPoint"/>.</summary>
    public float Position { get; }

    /// <summary>All particles start at <paramref name="vertex"/> (not an absorbing one).</summary>
    public static InitialCondition AtVertex(int vertex) => new(InitialConditionKind.AtVertex, vertex, -1, 0, []);

    /// <summary>All particles start at x = <paramref name="position"/> on <paramref name="edge"/>.</summary>
    public static InitialCondition AtPoint(int edge, float position) => new(InitialConditionKind.AtPoint, -1, edge, position, []);

    /// <summary>Each particle starts at one of the graph's source vertices, chosen uniformly.</summary>
    public static InitialCondition FromSources() => new(InitialConditionKind.FromSources, -1, -1, 0, []);

    /// <summary>Uniform over the whole graph (edge chosen proportional to its length).</summary>
    public static InitialCondition UniformByLength(MetricGraph graph) => UniformOnEdges(graph.Edges.Select(e => e.Length).ToArray());

    /// <summary>Edge e chosen with probability proportional to <paramref name="edgeMass"/>[e] (&gt;= 0, not all 0), position uniform along it.</summary>
    public static InitialCondition UniformOnEdges(IReadOnlyList<double> edgeMass)
    {
        var cumulative = new double[edgeMass.Count];
        var total = 0.0;
        for (var e = 0; e < edgeMass.Count; e++)
        {
            if (!(edgeMass[e] >= 0) || !double.IsFinite(edgeMass[e]))
            {
                throw new ArgumentException($"edge mass {e} is {edgeMass[e]}; it must be a finite number >= 0", nameof(edgeMass));
            }

            total += edgeMass[e];
            cumulative[e] = total;
        }

        if (!(total > 0))
        {
            throw new ArgumentException("the edge masses are all 0", nameof(edgeMass));
        }

        var last = 0;
        for (var e = 0; e < cumulative.Length; e++)
        {
            cumulative[e] /= total;
            if (edgeMass[e] > 0)
            {
                last = e;
            }
        }

        for (var e = last; e < cumulative.Length; e++)
        {
            cumulative[e] = 1.0;
        }

        return new InitialCondition(InitialConditionKind.UniformOnEdges, -1, -1, 0, cumulative);
    }

    /// <summary>Throws <see cref="ArgumentException"/> if this start does not fit <paramref name="graph"/>.</summary>
    public void Validate(MetricGraph graph)
    {
        switch (Kind)
        {
            case InitialConditionKind.AtVertex:
                if (Vertex < 0 || Vertex >= graph.VertexCount)
                {
                    throw new ArgumentException($"initial vertex {Vertex} is not a vertex of the graph (it has {graph.VertexCount})");
                }

                if (graph.VertexKinds[Vertex] == VertexKind.Absorbing)
                {
                    throw new ArgumentException($"initial vertex \"{graph.Vertices[Vertex].Id}\" is absorbing; particles would leave at once");
                }

                break;
            case InitialConditionKind.AtPoint:
                if (Edge < 0 || Edge >= graph.EdgeCount)
                {
                    throw new ArgumentException($"initial edge {Edge} is not an edge of the graph (it has {graph.EdgeCount})");
                }

                if (!(Position >= 0) || !(Position <= graph.Lengths[Edge]))
                {
                    throw new ArgumentException($"initial position {Position} is outside edge \"{graph.Edges[Edge].Id}\" [0, {graph.Lengths[Edge]}]");
                }

                break;
            case InitialConditionKind.FromSources:
                if (graph.SourceVertices.Count == 0)
                {
                    throw new ArgumentException("particles start from the sources, but the graph has no source vertex");
                }

                break;
            case InitialConditionKind.UniformOnEdges:
                if (_cumulativeMass.Length != graph.EdgeCount)
                {
                    throw new ArgumentException($"{_cumulativeMass.Length} edge masses for a graph with {graph.EdgeCount} edges");
                }

                break;
        }
    }

    /// <summary>Where particle <paramref name="particle"/> of a run with seed <paramref name="seed"/> starts.</summary>
    public (int Edge, float Position) Place(MetricGraph graph, ulong seed, long particle)
    {
        var block = ParticleRandom.InitialBlock(seed, particle);
        switch (Kind)
        {
            case InitialConditionKind.AtPoint:
                return (Edge, Position);
            case InitialConditionKind.AtVertex:
                return AtVertex(graph, Vertex, block);
            case InitialConditionKind.FromSources:
                var sources = graph.SourceVertices;
                var index = Math.Min((int)(PortableBoxMuller.Uniform(block.X0) * sources.Count), sources.Count - 1);
                return AtVertex(graph, sources[index], block);
            default:
                double u0 = PortableBoxMuller.Uniform(block.X0);
                var edge = 0;
                while (u0 >= _cumulativeMass[edge])
                {
                    edge++;
                }

                return (edge, PortableBoxMuller.Uniform(block.X1) * graph.Lengths[edge]);
        }
    }

    private static (int Edge, float Position) AtVertex(MetricGraph graph, int vertex, PhiloxBlock block)
    {
        var u = PortableBoxMuller.Uniform(block.X2);
        var cumulative = graph.IncidenceCumulativeWeights;
        var i = graph.IncidenceOffsets[vertex];
        while (u >= cumulative[i])
        {
            i++;
        }

        var edge = graph.IncidenceEdges[i];
        return (edge, graph.IncidenceEnds[i] == EdgeEnd.Tail ? 0f : graph.Lengths[edge]);
    }
}
