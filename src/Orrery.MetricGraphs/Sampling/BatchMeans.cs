namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// Confidence intervals from independent ensembles (batch means): the statistic is computed per ensemble
/// and its spread gives the standard error, with no assumption about correlations within a particle's path.
/// </summary>
public static class BatchMeans
{
    /// <summary>The mean of <paramref name="values"/> (one per ensemble) and its standard error s / sqrt(k); NaN error below two values.</summary>
    public static (double Mean, double StandardError) Estimate(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("no batches", nameof(values));
        }

        var mean = values.Average();
        if (values.Count < 2)
        {
            return (mean, double.NaN);
        }

        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance / values.Count));
    }

    /// <summary>Per edge: the occupation fraction in <paramref name="window"/> averaged over <paramref name="ensembles"/>, with its standard error.</summary>
    public static (double Mean, double StandardError)[] OccupationFractions(IReadOnlyList<SamplingResult> ensembles, int window)
    {
        ArgumentNullException.ThrowIfNull(ensembles);
        if (ensembles.Count == 0)
        {
            throw new ArgumentException("no ensembles", nameof(ensembles));
        }

        return Enumerable.Range(0, ensembles[0].EdgeCount)
            .Select(e => Estimate(ensembles.Select(r => r.OccupationFraction(window, e)).ToArray()))
            .ToArray();
    }
}
