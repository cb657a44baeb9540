namespace Orrery.MetricGraphs.Graphs;

/// <summary>The form of an edge's drift a_e(x). The numeric values are the device layout.</summary>
public enum DriftKind : byte
{
    /// <summary>a(x) = 0: Brownian motion with diffusion coefficient D = sigma^2/2.</summary>
    None = 0,

    /// <summary>a(x) = u (advection, or a linear potential V(x) = -u x).</summary>
    Constant = 1,

    /// <summary>a(x) = offset + slope * x (a quadratic potential V(x) = -offset x - slope x^2 / 2).</summary>
    Linear = 2,

    /// <summary>a(x) = -dV/dx for a potential V given at points along the edge and linear between them.</summary>
    PiecewiseLinearPotential = 3,
}
