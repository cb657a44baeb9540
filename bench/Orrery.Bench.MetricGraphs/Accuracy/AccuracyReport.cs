using System.Globalization;
using System.Text;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;

namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// Writes the accuracy study: <c>accuracy.md</c> (tables of errors with standard errors, fitted slopes, the cost at
/// matched accuracy) and log-log SVG plots of |error| against dt with bands of +-2 standard errors, into the output folder.
/// </summary>
internal static class AccuracyReport
{
    private static readonly BoundaryScheme[] Schemes = [BoundaryScheme.Step, BoundaryScheme.Bridge];

    public static void Write(AccuracySettings settings, IReadOnlyList<AccuracyProblem> problems, IReadOnlyList<Measurement> measurements,
        IReadOnlyList<CostEstimate> costs, IReadOnlyList<string> notes)
    {
        var md = new StringBuilder();
        md.AppendLine("References:").AppendLine();
        foreach (var note in notes)
        {
            md.AppendLine("- " + note);
        }

        md.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture, $"Particles per run: N(dt) = {settings.FirstOrderConstant:G3} / dt^2 for the bridge runs (bias expected O(dt)), {settings.HalfOrderConstant:G3} / dt for the step runs (bias expected O(sqrt dt)), within [{settings.MinParticles:G3}, {settings.MaxParticles:G3}] and at most {settings.MaxParticleSteps:G3} particle-steps per run; seed {settings.Seed}; " +
            $"errors are relative for E[exit time], the times and the stationary occupations, absolute for probabilities; +- is one standard error (exit-time sample variance, binomial, " +
            $"or batch means over >= 8 independent batches for the times and occupations). `*` marks errors below 2 standard errors (not used in the fits)."));
        foreach (var problem in problems)
        {
            var runs = measurements.Where(m => m.Problem == problem.Name).OrderByDescending(m => m.TimeStep).ThenBy(m => m.Boundary).ToList();
            md.AppendLine().AppendLine($"#### {problem.Name}: {problem.Description}").AppendLine();
            Table(md, problem, runs);
            md.AppendLine().AppendLine("| quantity | boundary | fitted slope | prefactor c (error = c dt^slope) | chi^2/dof | points |").AppendLine("|---|---|---|---|---|---|");
            for (var i = 0; i < problem.Observables.Count; i++)
            {
                foreach (var boundary in Schemes)
                {
                    var fit = FitOf(runs, boundary, i);
                    md.AppendLine(fit is null
                        ? $"| {problem.Observables[i].Name} | {Name(boundary)} | no fit: fewer than 2 points above 2 SE | | | |"
                        : string.Create(CultureInfo.InvariantCulture, $"| {problem.Observables[i].Name} | {Name(boundary)} | **{fit.Slope:F2} +- {fit.SlopeError:F2}** | {fit.Prefactor:G3} | {fit.ChiSquarePerDof:F1} | {fit.Points} |"));
                }
            }

            Plot(settings, problem, runs);
        }

        foreach (var cost in costs)
        {
            Cost(md, cost);
        }

        File.WriteAllText(Path.Combine(settings.OutputDirectory, "accuracy.md"), md.ToString());
        Console.WriteLine(md.ToString());
    }

    private static void Table(StringBuilder md, AccuracyProblem problem, IReadOnlyList<Measurement> runs)
    {
        md.Append("| dt | boundary | particles | particle-steps | seconds |");
        foreach (var o in problem.Observables)
        {
            md.Append($" {o.Name} |");
        }

        md.AppendLine().Append("|---|---|---|---|---|").AppendLine(string.Concat(problem.Observables.Select(_ => "---|")));
        foreach (var m in runs)
        {
            md.Append(string.Create(CultureInfo.InvariantCulture, $"| {m.TimeStep:G4} | {Name(m.Boundary)} | {m.Particles:G3} | {m.ParticleSteps:E2} | {m.Seconds:F1} |"));
            foreach (var v in m.Values)
            {
                var mark = Math.Abs(v.Error) < ErrorFit.Significance * v.ErrorStandardError ? "*" : "";
                md.Append(string.Create(CultureInfo.InvariantCulture, $" {v.Error:+0.00E+00;-0.00E+00} +- {v.ErrorStandardError:0.0E+00}{mark} |"));
            }

            md.AppendLine(m.Exited < m.Particles && !problem.Stationary ? $" ({m.Particles - m.Exited} not exited)" : "");
        }
    }

    private static void Cost(StringBuilder md, CostEstimate c)
    {
        md.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture, $"#### Cost at matched accuracy: relative error {c.Target:G2} in the {c.Problem}'s E[exit time]")).AppendLine();
        if (c.BridgeRun is { } run)
        {
            var v = run.Values[0];
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Measured for bridge: the largest dt of the study whose run has |error| + 2 SE <= {c.Target:G2} is dt = {run.TimeStep:G4}, with {run.Particles:E2} particles: " +
                $"relative error {v.Error:+0.00E+00;-0.00E+00} +- {v.ErrorStandardError:0.0E+00}, {run.ParticleSteps:E2} particle-steps in {run.Seconds:F1} s. " +
                $"Step with the same particles (same Monte Carlo error) needs its bias below {c.BiasAllowance:0.00E+00} (the target less 2 SE): its dt is extrapolated from its fitted error line."));
        }
        else
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"No bridge run of the study reached the target, so both are extrapolated: bias <= {c.BiasAllowance:G2} from each fitted error line, " +
                $"and N = (2 CV / {c.BiasAllowance:G2})^2 = {c.Particles:E2} particles for both (CV of the exit time measured)."));
        }

        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Seconds: particle-steps / the rate measured on this machine (step: its smallest-dt run, {c.StepRate:E2}/s; bridge: {c.BridgeRate:E2}/s)."));
        md.AppendLine().AppendLine("| boundary | dt | particles | particle-steps | seconds |").AppendLine("|---|---|---|---|---|");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| step (fitted slope {c.StepFit.Slope:F2}) | {c.StepTimeStep:E2} (extrapolated) | {c.Particles:E2} | {c.StepParticleSteps:E2} | {CostEstimate.Seconds(c.StepParticleSteps, c.StepRate):E2} |"));
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| step (slope held at 1/2) | {c.StepTimeStepHalfPower:E2} (extrapolated) | {c.Particles:E2} | {c.StepParticleStepsHalfPower:E2} | {CostEstimate.Seconds(c.StepParticleStepsHalfPower, c.StepRate):E2} |"));
        var bridgeLabel = c.BridgeRun is null ? $"bridge (fitted slope {c.BridgeFit?.Slope:F2})" : "bridge (measured)";
        var bridgeDt = c.BridgeRun is null ? $"{c.BridgeTimeStep:E2} (extrapolated)" : $"{c.BridgeTimeStep:G4}";
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {bridgeLabel} | {bridgeDt} | {c.Particles:E2} | {c.BridgeParticleSteps:E2} | {CostEstimate.Seconds(c.BridgeParticleSteps, c.BridgeRate):E2} |"));
        md.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture, $"Ratio step / bridge in particle-steps: **{c.StepParticleSteps / c.BridgeParticleSteps:G3}x** (fitted slope), " +
            $"**{c.StepParticleStepsHalfPower / c.BridgeParticleSteps:G3}x** (slope 1/2); in seconds: " +
            $"**{CostEstimate.Seconds(c.StepParticleSteps, c.StepRate) / CostEstimate.Seconds(c.BridgeParticleSteps, c.BridgeRate):G3}x** and " +
            $"**{CostEstimate.Seconds(c.StepParticleStepsHalfPower, c.StepRate) / CostEstimate.Seconds(c.BridgeParticleSteps, c.BridgeRate):G3}x**."));
    }

    private static void Plot(AccuracySettings settings, AccuracyProblem problem, IReadOnlyList<Measurement> runs)
    {
        // Star and graph: mean exit time and the exit probability; the graph's vertex-passage times in a plot of their own.
        var last = problem.Observables.Count - 1;
        var groups = problem.Name switch
        {
            "graph" => new[] { ("", new[] { 0, 1 }), ("-vertex", new[] { last - 1, last }) },
            "stationary" => [("", new[] { 0, 2, last })],
            _ => [("", new[] { 0, 1 })],
        };
        foreach (var (suffix, indices) in groups)
        {
            var plot = new SvgPlot($"{problem.Name}: |error| against dt (bands: +-2 SE)", "dt", "|error| (relative; absolute for P(exit))") { LogX = true, LogY = true };
            double? anchor = null;
            var largest = runs.Max(m => m.TimeStep);
            var smallest = runs.Min(m => m.TimeStep);
            foreach (var i in indices)
            {
                foreach (var boundary in Schemes)
                {
                    var series = runs.Where(m => m.Boundary == boundary).OrderBy(m => m.TimeStep).ToList();
                    var x = series.Select(m => m.TimeStep).ToArray();
                    var y = series.Select(m => Math.Abs(m.Values[i].Error)).ToArray();
                    var se = series.Select(m => m.Values[i].ErrorStandardError).ToArray();
                    plot.Band($"{problem.Observables[i].Name}, {Name(boundary)}", x, y,
                        y.Zip(se, (a, s) => a - 2 * s).ToArray(), y.Zip(se, (a, s) => a + 2 * s).ToArray());
                    anchor ??= y[^1];
                }
            }

            // Guides through the first series' value at the largest dt: slopes 1/2 and 1.
            var a = anchor ?? 1;
            plot.Line("slope 1/2", [smallest, largest], [a * Math.Sqrt(smallest / largest), a], dashed: true);
            plot.Line("slope 1", [smallest, largest], [a * smallest / largest, a], dashed: true);
            plot.Save(Path.Combine(settings.OutputDirectory, $"accuracy-{problem.Name}{suffix}.svg"));
        }
    }

    private static ErrorFit? FitOf(IReadOnlyList<Measurement> runs, BoundaryScheme boundary, int observable)
    {
        var series = runs.Where(m => m.Boundary == boundary).OrderBy(m => m.TimeStep).ToList();
        return ErrorFit.Of(series.Select(m => m.TimeStep).ToArray(), series.Select(m => m.Values[observable].Error).ToArray(),
            series.Select(m => m.Values[observable].ErrorStandardError).ToArray());
    }

    private static string Name(BoundaryScheme boundary) => boundary.ToString().ToLowerInvariant();
}
