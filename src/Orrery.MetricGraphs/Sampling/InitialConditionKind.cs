namespace Orrery.MetricGraphs.Sampling;

/// <summary>Where particles start.</summary>
public enum InitialConditionKind
{
    /// <summary>At one vertex, on an incident edge chosen with the vertex's jump weights.</summary>
    AtVertex,

    /// <summary>At one point (edge, x).</summary>
    AtPoint,

    /// <summary>At a source vertex chosen uniformly among the graph's sources, then as <see cref="AtVertex"/>.</summary>
    FromSources,

    /// <summary>On an edge chosen with probability proportional to a given mass per edge, uniformly along it.</summary>
    UniformOnEdges,
}
