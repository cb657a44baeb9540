using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Formats;

/// <summary>How a DUNE grid file's network becomes a metric graph (what the file itself does not say).</summary>
public sealed record DgfOptions
{
    /// <summary>
    /// Which SIMPLEX parameter (0-based) is the segment radius r; jump weights are then proportional to the
    /// cross-section r^2 (the vessel convention). Default 0; ignored (uniform weights) when the block has no parameters.
    /// </summary>
    public int RadiusParameter { get; init; }

    /// <summary>Noise amplitude sigma on every segment (D = sigma^2 / 2). Default 1.</summary>
    public double Sigma { get; init; } = 1;

    /// <summary>Kind of the vertices of degree 1 (the network's ends) not listed below. Default junction, i.e. reflecting.</summary>
    public VertexKind EndKind { get; init; } = VertexKind.Junction;

    /// <summary>VERTEX indices (as numbered in the file) of absorbing vertices. Default none.</summary>
    public IReadOnlyList<int> AbsorbingVertices { get; init; } = [];

    /// <summary>VERTEX indices (as numbered in the file) of source vertices. Default none.</summary>
    public IReadOnlyList<int> SourceVertices { get; init; } = [];
}
