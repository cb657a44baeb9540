using System.Diagnostics;
using Orrery.Experiments;
using Orrery.MetricGraphs.Experiments;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>
/// The sampling part of <c>orrery demo</c>: a small exit problem on a three-armed star, run through the
/// sampling coordinator over an embedded Orleans cluster, checked against the closed form its spec names.
/// </summary>
internal static class DemoSampling
{
    /// <summary>The spec: closed forms 3 and 4 (exit leaf and mean exit time from the centre) of specs/metric-graphs.md.</summary>
    private const string Spec = """
        kind: sampling
        name: demo-star-exit
        graph:
          generator: star
          lengths: [1.0, 1.5, 0.5]
          weights: [0.5, 0.3, 0.2]
          leaves: absorbing
          sigma: 1.0
        particles: 6000
        dt: 0.001
        end_time: 20
        seed: 7
        initial: {vertex: c}
        observables: {bins_per_edge: 16, exit_time_bins: 40, exit_time_max: 4}
        check: {closed_form: star-exit, standard_errors: 5}
        """;

    /// <summary>Runs the job, prints its check table, and answers whether every check passed.</summary>
    public static async Task<bool> RunAsync(Orleans.IGrainFactory grains, CancellationToken cancellationToken)
    {
        var spec = SamplingSpec.Read(ExperimentSpec.Parse(Spec, "demo-sampling.yaml"));
        var clock = Stopwatch.StartNew();
        var run = await SamplingJobDriver.RunAsync(grains, spec.ToJob(), spec.Name, cancellationToken: cancellationToken);
        var checks = spec.Check!.Evaluate(spec.Graph, run.Result);
        var silos = run.Reply.Ensembles.Select(e => e.Silo).Distinct().Count();
        AnsiConsole.MarkupLineInterpolated(
            $"Sampling: {spec.Particles:N0} particles on a 3-armed star with absorbing leaves, {run.Result.ParticleSteps:N0} particle-steps in {clock.Elapsed.TotalSeconds:F2} s on {run.Reply.Ensembles.Count} ensembles over {silos} silos");
        var table = new Table().AddColumns("closed form (star-exit, 5 standard errors + bias)", "sampled", "exact", "tolerance", "result");
        foreach (var line in checks)
        {
            table.AddRow(
                Markup.Escape(line.What), $"{line.Estimate:0.#####}", $"{line.Exact:0.#####}", $"{line.Tolerance:0.#####}",
                line.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        }

        AnsiConsole.Write(table);
        return checks.All(c => c.Passed);
    }
}
