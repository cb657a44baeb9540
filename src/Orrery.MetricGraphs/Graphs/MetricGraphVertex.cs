using System.Numerics;

namespace Orrery.MetricGraphs.Graphs;

/// <summary>A vertex as authored.</summary>
/// <param name="Id">The vertex's name, unique in its graph.</param>
/// <param name="Kind">Junction, absorbing or source.</param>
/// <param name="Position">Coordinates, where the source has them (DGF files, geometric generators); used for plots only.</param>
/// <param name="Location">Where it was read from.</param>
public sealed record MetricGraphVertex(string Id, VertexKind Kind, Vector3? Position, SourceLocation Location);
