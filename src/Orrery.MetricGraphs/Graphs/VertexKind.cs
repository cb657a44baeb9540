namespace Orrery.MetricGraphs.Graphs;

/// <summary>What a particle does when it reaches a vertex. The numeric values are the device layout.</summary>
public enum VertexKind : byte
{
    /// <summary>
    /// The particle continues into one of the incident edges, chosen with the vertex's jump weights
    /// (the edge it came from included). A junction of degree 1 is a reflecting end.
    /// </summary>
    Junction = 0,

    /// <summary>The particle leaves the graph; its exit vertex and time are recorded.</summary>
    Absorbing = 1,

    /// <summary>Particles can be injected here; otherwise it behaves exactly like a <see cref="Junction"/>.</summary>
    Source = 2,
}
