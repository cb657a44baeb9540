namespace Orrery.MetricGraphs.Graphs;

/// <summary>A point (x, V(x)) of a piecewise-linear potential along an edge.</summary>
/// <param name="X">Position along the edge, 0 &lt;= X &lt;= L.</param>
/// <param name="V">The potential at <paramref name="X"/>.</param>
public readonly record struct PotentialPoint(double X, double V);
