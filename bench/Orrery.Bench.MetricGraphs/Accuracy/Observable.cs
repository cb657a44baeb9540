using Orrery.MetricGraphs.Sampling;

namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// One quantity measured against its reference: <paramref name="Estimate"/> reads it from the merged result,
/// <paramref name="StandardError"/> gives its Monte Carlo standard error from the merged result and the independent
/// batches it was merged from. <paramref name="Relative"/>: errors are reported relative to the exact value.
/// </summary>
internal sealed record Observable(string Name, double Exact, bool Relative,
    Func<SamplingResult, double> Estimate, Func<SamplingResult, IReadOnlyList<SamplingResult>, double> StandardError)
{
    /// <summary>E[exit time], with the standard error of the exit times' sample mean.</summary>
    public static Observable MeanExitTime(double exact) =>
        new("E[exit time]", exact, true, r => r.MeanExitTime, (r, _) => r.MeanExitTimeStandardError);

    /// <summary>P(exit at <paramref name="vertex"/>), binomial standard error.</summary>
    public static Observable ExitProbability(string name, int vertex, double exact) =>
        new($"P(exit at {name})", exact, false, r => r.ExitFraction(vertex), (r, _) => Math.Sqrt(r.ExitFraction(vertex) * (1 - r.ExitFraction(vertex)) / r.Particles));

    /// <summary>
    /// Expected time spent in bins [<paramref name="firstBin"/>, <paramref name="endBin"/>) of <paramref name="edge"/>
    /// before exit: occupation samples (one per alive particle and step, SampleEvery = 1) x dt / particles; standard
    /// error by batch means over the independent batches (a particle's time there has no simple variance).
    /// </summary>
    public static Observable TimeIn(string name, int edge, int firstBin, int endBin, double exact)
    {
        double Time(SamplingResult r)
        {
            var cells = r.WindowOccupation(0).Slice(edge * r.BinsPerEdge + firstBin, endBin - firstBin);
            long samples = 0;
            foreach (var c in cells)
            {
                samples += c;
            }

            return (double)samples * r.TimeStep * r.SampleEvery / r.Particles;
        }

        return new(name, exact, true, Time, (_, batches) => BatchMeans.Estimate(batches.Select(Time).ToArray()).StandardError);
    }

    /// <summary>
    /// The fraction of the last occupation window's samples that fall in bins [<paramref name="firstBin"/>, <paramref name="endBin"/>)
    /// of <paramref name="edge"/> (a stationary occupation once the window starts after the transient); standard error by batch means.
    /// </summary>
    public static Observable StationaryFraction(string name, int edge, int firstBin, int endBin, double exact)
    {
        static double Fraction(SamplingResult r, int edge, int firstBin, int endBin)
        {
            var window = r.WindowCount - 1;
            var cells = r.WindowOccupation(window).Slice(edge * r.BinsPerEdge + firstBin, endBin - firstBin);
            long samples = 0;
            foreach (var c in cells)
            {
                samples += c;
            }

            return (double)samples / r.Samples(window);
        }

        return new(name, exact, true, r => Fraction(r, edge, firstBin, endBin),
            (_, batches) => BatchMeans.Estimate(batches.Select(r => Fraction(r, edge, firstBin, endBin)).ToArray()).StandardError);
    }

    /// <summary>The error of <paramref name="estimate"/>: relative to the exact value or absolute, as <see cref="Relative"/> says.</summary>
    public double Error(double estimate) => Relative ? (estimate - Exact) / Exact : estimate - Exact;

    /// <summary>A standard error on the scale of <see cref="Error"/>.</summary>
    public double Scale(double standardError) => Relative ? standardError / Math.Abs(Exact) : standardError;
}
