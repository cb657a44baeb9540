namespace Orrery.MetricGraphs.Formats;

/// <summary>What an edge-list CSV cannot say: which vertices absorb and which are sources. Every other vertex is a junction.</summary>
public sealed record EdgeListOptions
{
    /// <summary>Ids of the absorbing vertices. Default none.</summary>
    public IReadOnlyList<string> AbsorbingVertices { get; init; } = [];

    /// <summary>Ids of the source vertices. Default none.</summary>
    public IReadOnlyList<string> SourceVertices { get; init; } = [];
}
