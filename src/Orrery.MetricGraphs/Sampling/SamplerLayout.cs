using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// The graph's flat arrays and the run's constants, as the stepping loop reads them (the same arrays a
/// device kernel gets). Built once per sampler.
/// </summary>
internal sealed class SamplerLayout
{
    /// <summary>Bit of <see cref="BridgeEnds"/>: a move that stays inside the edge is bridge-tested against its tail (x = 0).</summary>
    public const int TailBridge = 1;

    /// <summary>Bit of <see cref="BridgeEnds"/>: a move that stays inside the edge is bridge-tested against its head (x = L_e).</summary>
    public const int HeadBridge = 2;

    /// <summary>Bit of <see cref="BridgeEnds"/>: a move that leaves the edge reaches the vertex at a time drawn from the bridge's passage law.</summary>
    public const int BridgeCrossing = 4;

    public SamplerLayout(MetricGraph graph, SamplingOptions options)
    {
        Lengths = graph.Lengths.ToArray();
        Sigmas = graph.Sigmas.ToArray();
        DriftKinds = graph.DriftKinds.ToArray();
        DriftOffsets = graph.DriftOffsets.ToArray();
        DriftSlopes = graph.DriftSlopes.ToArray();
        EdgeTails = graph.EdgeTails.ToArray();
        EdgeHeads = graph.EdgeHeads.ToArray();
        PotentialOffsets = graph.PotentialOffsets.ToArray();
        PotentialPositions = graph.PotentialPositions.ToArray();
        PotentialSegmentDrifts = graph.PotentialSegmentDrifts.ToArray();
        VertexKinds = graph.VertexKinds.ToArray();
        IncidenceOffsets = graph.IncidenceOffsets.ToArray();
        IncidenceEdges = graph.IncidenceEdges.ToArray();
        IncidenceEnds = graph.IncidenceEnds.ToArray();
        IncidenceCumulativeWeights = graph.IncidenceCumulativeWeights.ToArray();
        EdgeCount = graph.EdgeCount;
        VertexCount = graph.VertexCount;

        TimeStep = options.TimeStep;
        SqrtTimeStep = MathF.Sqrt(options.TimeStep);
        MaxSplits = options.MaxSplits;
        BinsPerEdge = options.BinsPerEdge;
        BinScales = new float[EdgeCount];
        FirstNoiseScales = new float[EdgeCount];
        BridgeEnds = new int[EdgeCount];
        for (var e = 0; e < EdgeCount; e++)
        {
            BinScales[e] = BinsPerEdge / Lengths[e];
            FirstNoiseScales[e] = Sigmas[e] * SqrtTimeStep;
            if (options.Boundary == BoundaryScheme.Bridge)
            {
                // Every end, absorbing or junction: a touched junction redraws the edge as a crossing does.
                BridgeEnds[e] = TailBridge | HeadBridge | BridgeCrossing;
            }
        }
    }

    public float[] Lengths { get; }

    public float[] Sigmas { get; }

    public DriftKind[] DriftKinds { get; }

    public float[] DriftOffsets { get; }

    public float[] DriftSlopes { get; }

    public int[] EdgeTails { get; }

    public int[] EdgeHeads { get; }

    public int[] PotentialOffsets { get; }

    public float[] PotentialPositions { get; }

    public float[] PotentialSegmentDrifts { get; }

    public VertexKind[] VertexKinds { get; }

    public int[] IncidenceOffsets { get; }

    public int[] IncidenceEdges { get; }

    public EdgeEnd[] IncidenceEnds { get; }

    public float[] IncidenceCumulativeWeights { get; }

    public int EdgeCount { get; }

    public int VertexCount { get; }

    /// <summary>dt.</summary>
    public float TimeStep { get; }

    /// <summary>sqrt(dt), rounded once (IEEE sqrt).</summary>
    public float SqrtTimeStep { get; }

    public int MaxSplits { get; }

    public int BinsPerEdge { get; }

    /// <summary>Per edge: sigma_e * sqrt(dt), the noise scale of a step's first iteration (the same product the scheme forms).</summary>
    public float[] FirstNoiseScales { get; }

    /// <summary>
    /// Per edge: which ends a move that stays inside the edge is bridge-tested against (<see cref="TailBridge"/>,
    /// <see cref="HeadBridge"/>) and whether crossings take the bridge's passage time (<see cref="BridgeCrossing"/>):
    /// all three on every edge with <see cref="BoundaryScheme.Bridge"/>, all 0 with <see cref="BoundaryScheme.Step"/>.
    /// </summary>
    public int[] BridgeEnds { get; }

    /// <summary>Whether any edge has a bridge-tested end (else the vector pass skips the test).</summary>
    public bool HasBridgeEnds => Array.Exists(BridgeEnds, ends => ends != 0);

    /// <summary>Per edge: BinsPerEdge / L_e; a position's bin is min((int)(x * scale), BinsPerEdge - 1).</summary>
    public float[] BinScales { get; }
}
