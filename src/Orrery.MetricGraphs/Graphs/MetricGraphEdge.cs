namespace Orrery.MetricGraphs.Graphs;

/// <summary>An edge as authored, in double precision (the sampler uses the single-precision layout of <see cref="MetricGraph"/>).</summary>
/// <param name="Id">The edge's name, unique in its graph.</param>
/// <param name="Tail">Index of the vertex at x = 0.</param>
/// <param name="Head">Index of the vertex at x = <paramref name="Length"/>.</param>
/// <param name="Length">L_e &gt; 0.</param>
/// <param name="Sigma">The noise amplitude sigma_e &gt; 0; the diffusion coefficient is D_e = sigma_e^2 / 2.</param>
/// <param name="Drift">a_e(x).</param>
/// <param name="Weight">
/// w_e &gt; 0: at a junction without explicit jump weights, b_{v,e} = w_e / (sum of w over the edges at v).
/// Default 1 (uniform weights); vessel networks use the cross-section area.
/// </param>
/// <param name="Location">Where it was read from.</param>
public sealed record MetricGraphEdge(string Id, int Tail, int Head, double Length, double Sigma, EdgeDrift Drift, double Weight, SourceLocation Location)
{
    /// <summary>The diffusion coefficient D = sigma^2 / 2.</summary>
    public double Diffusion => 0.5 * Sigma * Sigma;
}
