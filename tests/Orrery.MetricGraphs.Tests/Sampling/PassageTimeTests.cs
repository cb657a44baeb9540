using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.Sampling;

/// <summary>
/// <see cref="SplittingScheme.TimeLeftAfterTouch"/>, the passage time of a Brownian bridge that touched (or crossed) a
/// vertex, against an independent reference: bridges simulated on a fine grid in double precision, each grid interval
/// tested for a touch with its own exact bridge probability, so the reference's passage times are exact up to the grid
/// spacing h. Units: sigma^2 tau = 1, tau = 1.
/// </summary>
public sealed class PassageTimeTests
{
    private const int GridSteps = 2000;

    [Theory]
    [InlineData(0.3, 0.5, false)] // touched and came back: P(touch) = exp(-2 d0 d1) = 0.74
    [InlineData(0.6, 0.2, false)]
    [InlineData(0.3, 0.5, true)] // crossed to 0.5 beyond: touches surely
    [InlineData(0.05, 1.2, true)]
    public void ThePassageTimeFollowsTheBridgesLaw(double d0, double d1, bool crossed)
    {
        var reference = ReferencePassageTimes(d0, crossed ? -d1 : d1, paths: 30_000, seed: 11, out var touchFraction);
        if (!crossed)
        {
            // The reference itself: its touch frequency is the bridge's exp(-2 d0 d1) (5 binomial standard errors).
            var p = Math.Exp(-2 * d0 * d1);
            Assert.InRange(touchFraction, p - 5 * Math.Sqrt(p * (1 - p) / 30_000), p + 5 * Math.Sqrt(p * (1 - p) / 30_000));
        }
        else
        {
            Assert.Equal(1.0, touchFraction);
        }

        var sampled = SampledPassageTimes((float)d0, (float)d1, 200_000, seed: 12);

        // Mean passage time: 5 combined standard errors, plus h/2 for the reference's grid (a touch is placed mid-interval;
        // its true time lies within h/2 of that).
        var (referenceMean, referenceError) = MeanAndError(reference);
        var (sampledMean, sampledError) = MeanAndError(sampled);
        Assert.True(Math.Abs(sampledMean - referenceMean) <= 5 * Math.Sqrt(referenceError * referenceError + sampledError * sampledError) + 0.5 / GridSteps,
            $"mean passage time {sampledMean} against the reference's {referenceMean}");

        // The distribution function at several times: 5 combined binomial standard errors plus the grid's h.
        foreach (var t in new[] { 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9 })
        {
            var fr = reference.Count(x => x <= t) / (double)reference.Length;
            var fs = sampled.Count(x => x <= t) / (double)sampled.Length;
            var error = Math.Sqrt(fr * (1 - fr) / reference.Length + fs * (1 - fs) / sampled.Length);
            var gridSlack = reference.Count(x => Math.Abs(x - t) <= 1.0 / GridSteps) / (double)reference.Length;
            Assert.True(Math.Abs(fs - fr) <= 5 * error + gridSlack + 1e-4, $"P(t* <= {t}) = {fs}, reference {fr}");
        }
    }

    [Fact]
    public void TheInverseGaussianHasItsClosedFormMoments()
    {
        // s = t* / (tau - t*) is IG(mean d0 / d1, shape d0^2): E[s] = d0 / d1 and E[1/s] = d1 / d0 + 1 / d0^2.
        const float d0 = 0.4f, d1 = 0.25f;
        var times = SampledPassageTimes(d0, d1, 400_000, seed: 3);
        var s = times.Select(t => t / (1 - t)).Where(double.IsFinite).ToArray();
        var inverse = times.Select(t => (1 - t) / t).Where(double.IsFinite).ToArray();
        Assert.True(s.Length > 399_000 && inverse.Length > 399_000);
        var (meanS, errorS) = MeanAndError(s);
        var (meanInverse, errorInverse) = MeanAndError(inverse);
        // 5 standard errors, plus float rounding of t (relative 1e-6 on s, far below).
        Assert.InRange(meanS, d0 / (double)d1 - 5 * errorS, d0 / (double)d1 + 5 * errorS);
        var expectedInverse = d1 / (double)d0 + 1 / ((double)d0 * d0);
        Assert.InRange(meanInverse, expectedInverse - 5 * errorInverse, expectedInverse + 5 * errorInverse);
    }

    [Fact]
    public void DegenerateDistancesPassAtTheStartOrAtTheEnd()
    {
        // From the vertex itself the passage is at once (all the time is left); ending on it, at the end (none left).
        Assert.Equal(1f, SplittingScheme.TimeLeftAfterTouch(1f, 0f, 0.3f, 0f, 0.5f, 0.5f));
        Assert.Equal(0f, SplittingScheme.TimeLeftAfterTouch(1f, 0.3f, 0f, 0f, 0.5f, 0.5f));
        // An argument that underflowed (d0 d1 ~ 1e-46) does not give NaN.
        Assert.Equal(1f, SplittingScheme.TimeLeftAfterTouch(1f, 1e-40f, 1e-6f, 0f, 0.5f, 0.5f));
        // A normal of 0 and a tiny argument: r = 0, q = 1, the time left is tau d1 / (d1 + d0) either way.
        Assert.Equal(0.5f, SplittingScheme.TimeLeftAfterTouch(1f, 0.2f, 0.2f, 1e-30f, 0f, 0.3f));
        // Huge r (normal 8, argument 1e-30): q is infinite, the passage is at the start.
        Assert.Equal(1f, SplittingScheme.TimeLeftAfterTouch(1f, 0.2f, 0.2f, 1e-30f, 8f, 0.3f));
    }

    /// <summary>Passage fractions t* / tau from the scheme's formula, with System.Random normals and uniforms (open interval).</summary>
    private static double[] SampledPassageTimes(float d0, float d1, int count, int seed)
    {
        var random = new Random(seed);
        var argument = (2f * (d0 * d1)) / 1f;
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var normal = (float)Normal(random);
            var uniform = (float)((random.Next(1 << 24) + 0.5) / (1 << 24));
            times[i] = 1 - SplittingScheme.TimeLeftAfterTouch(1f, d0, d1, argument, normal, uniform);
        }

        return times;
    }

    /// <summary>
    /// Brownian bridges from d0 to <paramref name="end"/> over [0, 1] (variance rate 1) on a grid of <see cref="GridSteps"/>,
    /// stopped at the first interval that touches 0 (an endpoint at or below 0, or the interval's own bridge touching it,
    /// probability exp(-2 x_k x_k+1 / h)); the passage time is that interval's middle. Returns the times of the paths that
    /// touched and their fraction.
    /// </summary>
    private static double[] ReferencePassageTimes(double d0, double end, int paths, int seed, out double touchFraction)
    {
        var random = new Random(seed);
        var h = 1.0 / GridSteps;
        var times = new List<double>();
        for (var p = 0; p < paths; p++)
        {
            var x = d0;
            for (var k = 0; k < GridSteps; k++)
            {
                var t = k * h;
                var remaining = 1 - t;
                var next = k == GridSteps - 1
                    ? end
                    : x + (end - x) * h / remaining + Math.Sqrt(h * (remaining - h) / remaining) * Normal(random);
                if (next <= 0 || random.NextDouble() < Math.Exp(-2 * x * next / h))
                {
                    times.Add(t + h / 2);
                    break;
                }

                x = next;
            }
        }

        touchFraction = times.Count / (double)paths;
        return [.. times];
    }

    private static (double Mean, double StandardError) MeanAndError(IReadOnlyCollection<double> values)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance / values.Count));
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
