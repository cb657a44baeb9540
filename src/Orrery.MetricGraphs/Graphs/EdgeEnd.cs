namespace Orrery.MetricGraphs.Graphs;

/// <summary>Which end of an edge touches a vertex. The numeric values are the device layout.</summary>
public enum EdgeEnd : byte
{
    /// <summary>The end at x = 0, glued to the edge's tail vertex.</summary>
    Tail = 0,

    /// <summary>The end at x = L, glued to the edge's head vertex.</summary>
    Head = 1,
}
