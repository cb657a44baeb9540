namespace Orrery.Pca.Data;

/// <summary>The eigenvalue spectrum of a generated matrix.</summary>
public enum SpectrumKind
{
    /// <summary>lambda_k = 1 / sqrt(k): slow decay, small gaps.</summary>
    Power,

    /// <summary>lambda_k = 1.1^-k: a constant ratio of 1.1 between neighbours.</summary>
    Exponential,

    /// <summary>rank spikes lambda_k = noise + (rank - k + 1) / rank above a flat floor lambda = noise.</summary>
    Spiked,

    /// <summary>
    /// Rows y = sum_k g_k sqrt(1/k) w_k + sqrt(noise) e over rank random orthonormal w_k, with normal g
    /// and e: data rather than an exact spectrum, so the truth is an exact eigendecomposition.
    /// </summary>
    LowRank,
}
