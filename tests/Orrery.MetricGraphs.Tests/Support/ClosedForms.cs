using MathNet.Numerics;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.Support;

/// <summary>The closed forms of specs/metric-graphs.md ("Closed forms to test against") and the bias models the tolerances use.</summary>
internal static class ClosedForms
{
    /// <summary>
    /// beta = -zeta(1/2) / sqrt(2 pi): a Brownian motion watched only every dt crosses a level as if the level
    /// were beta sigma sqrt(dt) further away (Broadie, Glasserman and Kou 1997, the continuity correction).
    /// </summary>
    public const double Bgk = 0.5825971579390106;

    /// <summary>Occupation fraction of each star edge at stationarity: b_e I_e / sum_j b_j I_j with I_e = integral of exp(-(V_e(x) - V_e(0)) / D).</summary>
    public static double[] StarOccupation(IReadOnlyList<double> weights, IReadOnlyList<double> integrals)
    {
        var masses = weights.Zip(integrals, (b, i) => b * i).ToArray();
        var total = masses.Sum();
        return masses.Select(m => m / total).ToArray();
    }

    /// <summary>integral_0^L exp(c x^2 / (2D)) dx for c &lt; 0 (quadratic potential V = -c x^2 / 2).</summary>
    public static double GaussianIntegral(double c, double d, double length) =>
        Math.Sqrt(Math.PI * d / (2 * Math.Abs(c))) * SpecialFunctions.Erf(length * Math.Sqrt(Math.Abs(c) / (2 * d)));

    /// <summary>P(exit via k) from the centre of a star with absorbing leaves: (b_k / L_k) / sum_e (b_e / L_e).</summary>
    public static double[] ExitFromCentre(IReadOnlyList<double> weights, IReadOnlyList<double> lengths)
    {
        var rates = weights.Zip(lengths, (b, l) => b / l).ToArray();
        var total = rates.Sum();
        return rates.Select(r => r / total).ToArray();
    }

    /// <summary>P(exit via k) from x on edge k: h0 + (1 - h0) x / L_k, h0 the value from the centre.</summary>
    public static double ExitFromPoint(IReadOnlyList<double> weights, IReadOnlyList<double> lengths, int k, double x)
    {
        var h0 = ExitFromCentre(weights, lengths)[k];
        return h0 + (1 - h0) * x / lengths[k];
    }

    /// <summary>E[exit time] from the centre: sum_e b_e L_e / (2 D sum_e b_e / L_e).</summary>
    public static double MeanExitTime(IReadOnlyList<double> weights, IReadOnlyList<double> lengths, double d) =>
        weights.Zip(lengths, (b, l) => b * l).Sum() / (2 * d * weights.Zip(lengths, (b, l) => b / l).Sum());

    /// <summary>Walsh heat kernel on long edges from (k, x0): mass on e at t = delta_ek erf(z) + b_e erfc(z), z = x0 / (sigma sqrt(2t)).</summary>
    public static double[] WalshMass(IReadOnlyList<double> weights, int k, double x0, double sigma, double t)
    {
        var erf = SpecialFunctions.Erf(x0 / (sigma * Math.Sqrt(2 * t)));
        return weights.Select((b, e) => (e == k ? erf : 0) + b * (1 - erf)).ToArray();
    }

    /// <summary>integral over [x0, x1] of exp(-V(x) / D) for V linear from v0 to v1.</summary>
    public static double LinearSegmentIntegral(double x0, double v0, double x1, double v1, double d) =>
        v0 == v1 ? (x1 - x0) * Math.Exp(-v0 / d) : (x1 - x0) * d * (Math.Exp(-v0 / d) - Math.Exp(-v1 / d)) / (v1 - v0);

    /// <summary>integral_0^L exp(-V(x) / D) for an edge's piecewise-linear potential (absolute values, not relative to V(0)).</summary>
    public static double PotentialIntegral(IReadOnlyList<PotentialPoint> points, double d)
    {
        var total = 0.0;
        for (var k = 0; k + 1 < points.Count; k++)
        {
            total += LinearSegmentIntegral(points[k].X, points[k].V, points[k + 1].X, points[k + 1].V, d);
        }

        return total;
    }

    /// <summary>
    /// Asserts |estimate - exact| &lt;= 5 standard errors + the bias allowance, with a message that shows every term.
    /// </summary>
    public static void AssertClose(string what, double estimate, double exact, double standardError, double biasAllowance)
    {
        var tolerance = 5 * standardError + biasAllowance;
        Assert.True(Math.Abs(estimate - exact) <= tolerance,
            $"{what}: estimate {estimate:G6}, closed form {exact:G6}, difference {estimate - exact:G3}; tolerance {tolerance:G3} = 5 x SE {standardError:G3} + bias allowance {biasAllowance:G3}");
    }

    /// <summary>
    /// A conservative standard error of a fraction p estimated from n independent particles, each contributing
    /// the fraction of its own samples (a number Y in [0, 1] with mean p): Var Y &lt;= E[Y^2] - p^2 &lt;= p - p^2,
    /// so SE &lt;= sqrt(p (1 - p) / n). Time-averaging only lowers it.
    /// </summary>
    public static double FractionStandardError(double p, long particles) => Math.Sqrt(p * (1 - p) / particles);

    /// <summary>Runs <paramref name="particles"/> particles in one call (all cores).</summary>
    public static SamplingResult Run(MetricGraph graph, SamplingOptions options, int particles, InitialCondition initial) =>
        new MetricGraphSampler(graph, options).Run(0, particles, initial);
}
