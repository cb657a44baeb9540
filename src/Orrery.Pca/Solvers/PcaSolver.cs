namespace Orrery.Pca.Solvers;

/// <summary>How the K workers refine their vectors.</summary>
public enum PcaSolver
{
    /// <summary>Worker k deflates with the latest estimates of workers 1..k-1 and starts at round k; all run at once.</summary>
    ParallelDeflation,

    /// <summary>Hotelling deflation: one vector at a time, each frozen after its share of the budget.</summary>
    Sequential,

    /// <summary>EigenGame-mu: v_k += eta (Sigma v_k - sum_{j&lt;k} (v_k^T Sigma v_j) v_j), then normalise; all at once.</summary>
    EigenGame,

    /// <summary>
    /// Block subspace iteration with Rayleigh-Ritz over K + p vectors: one block product per round, no workers;
    /// converges at lambda_{K+p+1} / lambda_k per round instead of each vector's own gap.
    /// </summary>
    Subspace,
}
