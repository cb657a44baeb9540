namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// A power law |error| = c dt^p fitted to the points whose error stands out of the Monte Carlo noise
/// (|error| &gt;= 2 standard errors): weighted least squares of ln|error| on ln dt with weights (error / SE)^2, the
/// inverse variance of ln|error| to first order. The slope's standard error is the fit's, multiplied by
/// sqrt(chi^2 / dof) where that exceeds 1, so a curved series (two terms of different order) shows a wider error
/// instead of a falsely precise slope.
/// </summary>
internal sealed record ErrorFit(double Slope, double SlopeError, double Prefactor, double ChiSquarePerDof, int Points)
{
    /// <summary>Points with |error| below this many standard errors are left out of the fit.</summary>
    public const double Significance = 2;

    /// <summary>The fit, or null with fewer than two significant points.</summary>
    public static ErrorFit? Of(IReadOnlyList<double> timeSteps, IReadOnlyList<double> errors, IReadOnlyList<double> standardErrors)
    {
        var used = Enumerable.Range(0, timeSteps.Count)
            .Where(i => double.IsFinite(errors[i]) && standardErrors[i] > 0 && Math.Abs(errors[i]) >= Significance * standardErrors[i])
            .ToList();
        if (used.Count < 2)
        {
            return null;
        }

        var x = used.Select(i => Math.Log(timeSteps[i])).ToArray();
        var y = used.Select(i => Math.Log(Math.Abs(errors[i]))).ToArray();
        var w = used.Select(i => Math.Pow(errors[i] / standardErrors[i], 2)).ToArray();
        var sw = w.Sum();
        var mx = x.Zip(w, (a, b) => a * b).Sum() / sw;
        var my = y.Zip(w, (a, b) => a * b).Sum() / sw;
        var sxx = Enumerable.Range(0, x.Length).Sum(i => w[i] * (x[i] - mx) * (x[i] - mx));
        var sxy = Enumerable.Range(0, x.Length).Sum(i => w[i] * (x[i] - mx) * (y[i] - my));
        var slope = sxy / sxx;
        var intercept = my - slope * mx;
        var chi2 = Enumerable.Range(0, x.Length).Sum(i => w[i] * Math.Pow(y[i] - intercept - slope * x[i], 2));
        var perDof = used.Count > 2 ? chi2 / (used.Count - 2) : double.NaN;
        var scale = double.IsFinite(perDof) ? Math.Max(1, Math.Sqrt(perDof)) : 1;
        return new ErrorFit(slope, scale / Math.Sqrt(sxx), Math.Exp(intercept), perDof, used.Count);
    }

    /// <summary>The dt at which the fitted |error| equals <paramref name="error"/>.</summary>
    public double TimeStepFor(double error) => Math.Pow(error / Prefactor, 1 / Slope);
}
