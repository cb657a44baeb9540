namespace Orrery.MetricGraphs.Generators;

/// <summary>Settings of <see cref="MetricGraphGenerators.VesselNetwork"/>. Lengths and radii are in the same (arbitrary) unit.</summary>
public sealed record VesselNetworkOptions
{
    /// <summary>Number of edges, odd (1 root segment + 2 per bifurcation). Default 1701 (1702 vertices).</summary>
    public int Edges { get; init; } = 1701;

    /// <summary>The Philox key of the random split fractions, lengths and angles. Default 1.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Radius of the root segment. Default 1.</summary>
    public double RootRadius { get; init; } = 1;

    /// <summary>Flow fraction f of the first child at a bifurcation is uniform in [MinSplit, 1 - MinSplit]; radii follow Murray's law r^3 = r1^3 + r2^3, r1 = f^(1/3) r. Default 0.3.</summary>
    public double MinSplit { get; init; } = 0.3;

    /// <summary>Segment length / radius, uniform in [MinAspect, MaxAspect]. Default 6.</summary>
    public double MinAspect { get; init; } = 6;

    /// <summary>See <see cref="MinAspect"/>. Default 20.</summary>
    public double MaxAspect { get; init; } = 20;

    /// <summary>Noise amplitude sigma on every segment (D = sigma^2 / 2). Default 1.</summary>
    public double Sigma { get; init; } = 1;

    /// <summary>
    /// Advection speed in the root segment; 0 for pure diffusion. With flow Q proportional to r^3 (Murray)
    /// the mean speed Q / (pi r^2) is proportional to r, so segment e gets the constant drift
    /// RootVelocity r_e / r_root, downstream (tail to head). Default 0.
    /// </summary>
    public double RootVelocity { get; init; }

    /// <summary>Whether the terminal segments' ends absorb (outflow) or reflect. Default true.</summary>
    public bool AbsorbingOutlets { get; init; } = true;
}
