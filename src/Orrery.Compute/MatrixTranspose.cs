namespace Orrery.Compute;

/// <summary>Whether GEMM uses a matrix as stored or its transpose.</summary>
public enum MatrixTranspose
{
    /// <summary>op(X) = X.</summary>
    None,

    /// <summary>op(X) = Xᵀ.</summary>
    Transpose,
}
