using MathNet.Numerics.LinearAlgebra;

namespace Orrery.Pca.Solvers;

/// <summary>The true top-K eigenpairs the error E is measured against.</summary>
/// <param name="Eigenvalues">lambda_1 &gt;= ... &gt;= lambda_K.</param>
/// <param name="Vectors">u_1 .. u_K, unit length, d each.</param>
public sealed record PcaTruth(double[] Eigenvalues, double[][] Vectors)
{
    /// <summary>The top <paramref name="components"/> eigenpairs of the symmetric d x d <paramref name="covariance"/> (row-major), by a full symmetric eigendecomposition in double (MathNet).</summary>
    public static PcaTruth Exact(double[] covariance, int dimension, int components)
    {
        var matrix = Matrix<double>.Build.DenseOfRowMajor(dimension, dimension, covariance);
        matrix = (matrix + matrix.Transpose()) * 0.5;
        var evd = matrix.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, dimension).OrderByDescending(i => evd.EigenValues[i].Real).Take(components).ToArray();
        return new PcaTruth(
            [.. order.Select(i => evd.EigenValues[i].Real)],
            [.. order.Select(i => evd.EigenVectors.Column(i).ToArray())]);
    }
}
