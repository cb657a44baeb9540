namespace Orrery.Pca.Solvers;

/// <summary>The convergence measures of the spec, for K estimated unit vectors.</summary>
public static class PcaMetrics
{
    /// <summary>EigenGame's threshold for a "correct" vector: within pi/8 of the truth.</summary>
    public const double DefaultStreakAngleDegrees = 22.5;

    /// <summary>E = sqrt( (1/K) sum_k min_{s=+-1} ||u_k - s v_k||^2 ), in double.</summary>
    public static double Error(PcaTruth truth, IReadOnlyList<float[]> vectors)
    {
        var sum = 0.0;
        for (var k = 0; k < vectors.Count; k++)
        {
            sum += SquaredDistance(truth.Vectors[k], vectors[k]);
        }

        return Math.Sqrt(sum / vectors.Count);
    }

    /// <summary>The angle between u_k and +-v_k in degrees, from the chord (accurate for small angles).</summary>
    public static double[] AnglesDegrees(PcaTruth truth, IReadOnlyList<float[]> vectors) =>
        [.. vectors.Select((v, k) => 2 * Math.Asin(Math.Min(1, Math.Sqrt(SquaredDistance(truth.Vectors[k], v)) / 2)) * 180 / Math.PI)];

    /// <summary>The longest prefix of vectors each within <paramref name="thresholdDegrees"/> of its true vector.</summary>
    public static int LongestStreak(IReadOnlyList<double> anglesDegrees, double thresholdDegrees)
    {
        var streak = 0;
        while (streak < anglesDegrees.Count && anglesDegrees[streak] <= thresholdDegrees)
        {
            streak++;
        }

        return streak;
    }

    /// <summary>M = sum_k (1/k) v_k^T Sigma v_k from the Rayleigh quotients v_k^T Sigma v_k.</summary>
    public static double DiscountedCapturedVariance(IReadOnlyList<double> rayleighQuotients) =>
        rayleighQuotients.Select((r, k) => double.IsFinite(r) ? r / (k + 1) : 0).Sum();

    private static double SquaredDistance(double[] u, float[] v)
    {
        // min over the sign s: both distances, the smaller is the one whose sign matches u^T v.
        var dot = 0.0;
        for (var i = 0; i < u.Length; i++)
        {
            dot += u[i] * v[i];
        }

        var s = dot >= 0 ? 1.0 : -1.0;
        var sum = 0.0;
        for (var i = 0; i < u.Length; i++)
        {
            var e = u[i] - s * v[i];
            sum += e * e;
        }

        return sum;
    }
}
