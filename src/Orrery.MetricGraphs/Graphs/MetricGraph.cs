namespace Orrery.MetricGraphs.Graphs;

/// <summary>
/// An immutable metric graph: edges are intervals [0, L_e] glued at vertices. It holds the graph as
/// authored (<see cref="Vertices"/>, <see cref="Edges"/>, double precision) and the flat
/// single-precision layout the samplers use, struct-of-arrays so each span copies to a device
/// buffer as it is:
/// <list type="bullet">
/// <item>per edge e (m entries): <see cref="Lengths"/>, <see cref="Sigmas"/>, <see cref="DriftKinds"/>,
/// <see cref="DriftOffsets"/>, <see cref="DriftSlopes"/> (a(x) = offset + slope x for the none, constant and
/// linear kinds), <see cref="EdgeTails"/>, <see cref="EdgeHeads"/>, <see cref="PotentialOffsets"/> (m + 1 entries);</item>
/// <item>piecewise-linear potentials, CSR over edges: knots k in [PotentialOffsets[e], PotentialOffsets[e+1]) with
/// <see cref="PotentialPositions"/>, <see cref="PotentialValues"/>, and <see cref="PotentialSegmentDrifts"/>[k], the drift
/// on the segment that starts at knot k;</item>
/// <item>per vertex v (n entries): <see cref="VertexKinds"/>, <see cref="IncidenceOffsets"/> (n + 1 entries);</item>
/// <item>incidence, CSR over vertices: i in [IncidenceOffsets[v], IncidenceOffsets[v+1]) with <see cref="IncidenceEdges"/>,
/// <see cref="IncidenceEnds"/> (which end of the edge touches v) and <see cref="IncidenceCumulativeWeights"/>
/// (b summed up to and including i; exactly 1 at the vertex's last incidence, 0 throughout at absorbing vertices).</item>
/// </list>
/// Build one with <see cref="MetricGraphBuilder"/>, a loader in <c>Orrery.MetricGraphs.Formats</c> or a generator.
/// </summary>
public sealed class MetricGraph
{
    private readonly MetricGraphVertex[] _vertices;
    private readonly MetricGraphEdge[] _edges;
    private readonly Dictionary<string, int> _vertexIndex;
    private readonly Dictionary<string, int> _edgeIndex;
    private readonly double[] _jumpWeights;

    private readonly float[] _lengths;
    private readonly float[] _sigmas;
    private readonly DriftKind[] _driftKinds;
    private readonly float[] _driftOffsets;
    private readonly float[] _driftSlopes;
    private readonly int[] _edgeTails;
    private readonly int[] _edgeHeads;
    private readonly int[] _potentialOffsets;
    private readonly float[] _potentialPositions;
    private readonly float[] _potentialValues;
    private readonly float[] _potentialSegmentDrifts;
    private readonly VertexKind[] _vertexKinds;
    private readonly int[] _incidenceOffsets;
    private readonly int[] _incidenceEdges;
    private readonly EdgeEnd[] _incidenceEnds;
    private readonly float[] _incidenceCumulativeWeights;

    internal MetricGraph(string? fileName, MetricGraphVertex[] vertices, MetricGraphEdge[] edges, int[] incidenceOffsets, int[] incidenceEdges,
        EdgeEnd[] incidenceEnds, double[] jumpWeights)
    {
        FileName = fileName;
        _vertices = vertices;
        _edges = edges;
        _incidenceOffsets = incidenceOffsets;
        _incidenceEdges = incidenceEdges;
        _incidenceEnds = incidenceEnds;
        _jumpWeights = jumpWeights;
        _vertexIndex = IndexById(vertices, v => v.Id);
        _edgeIndex = IndexById(edges, e => e.Id);

        var m = edges.Length;
        _lengths = new float[m];
        _sigmas = new float[m];
        _driftKinds = new DriftKind[m];
        _driftOffsets = new float[m];
        _driftSlopes = new float[m];
        _edgeTails = new int[m];
        _edgeHeads = new int[m];
        _potentialOffsets = new int[m + 1];
        FillEdgeLayout();

        var knots = _potentialOffsets[m];
        _potentialPositions = new float[knots];
        _potentialValues = new float[knots];
        _potentialSegmentDrifts = new float[knots];
        FillPotentialKnots();

        _vertexKinds = new VertexKind[vertices.Length];
        _incidenceCumulativeWeights = new float[incidenceEdges.Length];
        FillVertexLayout();

        SourceVertices = Enumerable.Range(0, vertices.Length).Where(v => vertices[v].Kind == VertexKind.Source).ToArray();
        AbsorbingVertices = Enumerable.Range(0, vertices.Length).Where(v => vertices[v].Kind == VertexKind.Absorbing).ToArray();
        TotalLength = edges.Sum(e => e.Length);
    }

    /// <summary>The file the graph was read from, or null.</summary>
    public string? FileName { get; }

    /// <summary>Number of vertices n.</summary>
    public int VertexCount => _vertices.Length;

    /// <summary>Number of edges m.</summary>
    public int EdgeCount => _edges.Length;

    /// <summary>The vertices as authored, by index.</summary>
    public IReadOnlyList<MetricGraphVertex> Vertices => _vertices;

    /// <summary>The edges as authored, by index.</summary>
    public IReadOnlyList<MetricGraphEdge> Edges => _edges;

    /// <summary>Indices of the source vertices, ascending.</summary>
    public IReadOnlyList<int> SourceVertices { get; }

    /// <summary>Indices of the absorbing vertices, ascending.</summary>
    public IReadOnlyList<int> AbsorbingVertices { get; }

    /// <summary>Sum of the edge lengths.</summary>
    public double TotalLength { get; }

    /// <summary>Per edge: length L_e.</summary>
    public ReadOnlySpan<float> Lengths => _lengths;

    /// <summary>Per edge: sigma_e.</summary>
    public ReadOnlySpan<float> Sigmas => _sigmas;

    /// <summary>Per edge: the drift's form.</summary>
    public ReadOnlySpan<DriftKind> DriftKinds => _driftKinds;

    /// <summary>Per edge: the constant term of an affine drift (0 for none and piecewise).</summary>
    public ReadOnlySpan<float> DriftOffsets => _driftOffsets;

    /// <summary>Per edge: the x coefficient of an affine drift (0 unless linear).</summary>
    public ReadOnlySpan<float> DriftSlopes => _driftSlopes;

    /// <summary>Per edge: the tail vertex (at x = 0).</summary>
    public ReadOnlySpan<int> EdgeTails => _edgeTails;

    /// <summary>Per edge: the head vertex (at x = L).</summary>
    public ReadOnlySpan<int> EdgeHeads => _edgeHeads;

    /// <summary>m + 1 offsets into the potential knots; edges without a piecewise potential have none.</summary>
    public ReadOnlySpan<int> PotentialOffsets => _potentialOffsets;

    /// <summary>Per knot: its position x (the edge's last knot is exactly at L_e).</summary>
    public ReadOnlySpan<float> PotentialPositions => _potentialPositions;

    /// <summary>Per knot: V at the knot.</summary>
    public ReadOnlySpan<float> PotentialValues => _potentialValues;

    /// <summary>Per knot: the drift -(V[k+1] - V[k]) / (x[k+1] - x[k]) on the segment starting at it (0 at an edge's last knot).</summary>
    public ReadOnlySpan<float> PotentialSegmentDrifts => _potentialSegmentDrifts;

    /// <summary>Per vertex: its kind.</summary>
    public ReadOnlySpan<VertexKind> VertexKinds => _vertexKinds;

    /// <summary>n + 1 offsets into the incidence arrays.</summary>
    public ReadOnlySpan<int> IncidenceOffsets => _incidenceOffsets;

    /// <summary>Per incidence: the edge.</summary>
    public ReadOnlySpan<int> IncidenceEdges => _incidenceEdges;

    /// <summary>Per incidence: which end of the edge touches the vertex.</summary>
    public ReadOnlySpan<EdgeEnd> IncidenceEnds => _incidenceEnds;

    /// <summary>Per incidence: cumulative jump weight (single precision, as sampled).</summary>
    public ReadOnlySpan<float> IncidenceCumulativeWeights => _incidenceCumulativeWeights;

    /// <summary>Per incidence: the jump weight b_{v,e} in double precision (normalised to sum to 1; 0 at absorbing vertices).</summary>
    public ReadOnlySpan<double> JumpWeights => _jumpWeights;

    /// <summary>The number of edges at vertex <paramref name="vertex"/>.</summary>
    public int Degree(int vertex) => _incidenceOffsets[vertex + 1] - _incidenceOffsets[vertex];

    /// <summary>b_{v,e}: the probability that a particle at <paramref name="vertex"/> continues into <paramref name="edge"/> (0 if not incident).</summary>
    public double JumpWeight(int vertex, int edge)
    {
        for (var i = _incidenceOffsets[vertex]; i < _incidenceOffsets[vertex + 1]; i++)
        {
            if (_incidenceEdges[i] == edge)
            {
                return _jumpWeights[i];
            }
        }

        return 0;
    }

    /// <summary>The index of the vertex named <paramref name="id"/>.</summary>
    public bool TryGetVertexIndex(string id, out int index) => _vertexIndex.TryGetValue(id, out index);

    /// <summary>The index of the edge named <paramref name="id"/>.</summary>
    public bool TryGetEdgeIndex(string id, out int index) => _edgeIndex.TryGetValue(id, out index);

    /// <summary>The index of the vertex named <paramref name="id"/>; throws <see cref="KeyNotFoundException"/> naming it if there is none.</summary>
    public int VertexIndex(string id) =>
        _vertexIndex.TryGetValue(id, out var index) ? index : throw new KeyNotFoundException($"the graph has no vertex \"{id}\"");

    /// <summary>The index of the edge named <paramref name="id"/>; throws <see cref="KeyNotFoundException"/> naming it if there is none.</summary>
    public int EdgeIndex(string id) =>
        _edgeIndex.TryGetValue(id, out var index) ? index : throw new KeyNotFoundException($"the graph has no edge \"{id}\"");

    private static Dictionary<string, int> IndexById<T>(T[] items, Func<T, string> id)
    {
        var index = new Dictionary<string, int>(items.Length, StringComparer.Ordinal);
        for (var i = 0; i < items.Length; i++)
        {
            index.Add(id(items[i]), i);
        }

        return index;
    }

    /// <summary>Per edge: the single-precision copies of length, sigma and drift, the ends, and the potential offsets.</summary>
    private void FillEdgeLayout()
    {
        for (var e = 0; e < _edges.Length; e++)
        {
            var edge = _edges[e];
            _lengths[e] = (float)edge.Length;
            _sigmas[e] = (float)edge.Sigma;
            _driftKinds[e] = edge.Drift.Kind;
            _driftOffsets[e] = (float)edge.Drift.Offset;
            _driftSlopes[e] = (float)edge.Drift.Slope;
            _edgeTails[e] = edge.Tail;
            _edgeHeads[e] = edge.Head;
            _potentialOffsets[e + 1] = _potentialOffsets[e] + edge.Drift.Points.Count;
        }
    }

    /// <summary>Per knot of a piecewise-linear potential: position, value, and the drift on the segment it starts.</summary>
    private void FillPotentialKnots()
    {
        for (var e = 0; e < _edges.Length; e++)
        {
            var points = _edges[e].Drift.Points;
            var first = _potentialOffsets[e];
            for (var k = 0; k < points.Count; k++)
            {
                _potentialPositions[first + k] = (float)points[k].X;
                _potentialValues[first + k] = (float)points[k].V;
                if (k + 1 < points.Count)
                {
                    _potentialSegmentDrifts[first + k] = (float)(-(points[k + 1].V - points[k].V) / (points[k + 1].X - points[k].X));
                }
            }

            if (points.Count > 0)
            {
                _potentialPositions[first + points.Count - 1] = _lengths[e];
            }
        }
    }

    /// <summary>Per vertex its kind; per incidence the cumulative jump weight the sampler draws from.</summary>
    private void FillVertexLayout()
    {
        for (var v = 0; v < _vertices.Length; v++)
        {
            _vertexKinds[v] = _vertices[v].Kind;
            if (_vertices[v].Kind == VertexKind.Absorbing)
            {
                continue;
            }

            var sum = 0.0;
            for (var i = _incidenceOffsets[v]; i < _incidenceOffsets[v + 1]; i++)
            {
                sum += _jumpWeights[i];
                _incidenceCumulativeWeights[i] = (float)Math.Min(sum, 1.0);
            }

            // From the last incidence with a positive weight on, the cumulative weight is exactly 1, so a
            // uniform u < 1 always finds an incidence and trailing zero weights stay unreachable.
            var lastPositive = _incidenceOffsets[v + 1] - 1;
            while (_jumpWeights[lastPositive] == 0)
            {
                lastPositive--;
            }

            for (var i = lastPositive; i < _incidenceOffsets[v + 1]; i++)
            {
                _incidenceCumulativeWeights[i] = 1f;
            }
        }
    }
}
