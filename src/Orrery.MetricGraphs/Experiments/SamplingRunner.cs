using System.Globalization;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Grains;

namespace Orrery.MetricGraphs.Experiments;

/// <summary>
/// <c>orrery run</c> for <c>kind: sampling</c>: reads and checks the whole spec (<see cref="SamplingSpec"/>),
/// runs the job through a coordinator grain (<see cref="SamplingJobDriver"/>), compares with the closed form
/// the spec names, and writes the outputs (<see cref="SamplingOutputs"/>).
/// </summary>
public sealed class SamplingRunner : IExperimentRunner
{
    /// <inheritdoc />
    public string Kind => "sampling";

    /// <inheritdoc />
    public void Check(SpecNode spec) => _ = SamplingSpec.Read(spec);

    /// <inheritdoc />
    public async Task<ExperimentOutcome> RunAsync(ExperimentContext context, SpecNode spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sampling = SamplingSpec.Read(spec);
        var grains = context.Cluster;
        if (sampling.Device == DevicePreference.Gpu)
        {
            var silos = await context.Silos(cancellationToken).ConfigureAwait(false);
            if (!silos.Any(s => s.GpuDevices.Count > 0))
            {
                throw spec.Require("device").Fail($"'gpu' asks for GPUs, and none of the {silos.Count} active silos reports one; use 'any' or 'cpu'");
            }
        }

        var options = sampling.Options;
        context.Say($"{sampling.Name}: {sampling.Particles:N0} particles on a graph of {sampling.Graph.VertexCount} vertices and {sampling.Graph.EdgeCount} edges, " +
            $"{options.Steps:N0} steps of dt = {options.TimeStep.ToString("R", CultureInfo.InvariantCulture)}");
        var run = await SamplingJobDriver.RunAsync(grains, sampling.ToJob(), sampling.Name, context.Progress, context.Say,
            started: (key, reply) => context.Say($"job {key}: {reply.Ensembles} ensembles, coordinator on silo {reply.Silo}"), cancellationToken: cancellationToken).ConfigureAwait(false);
        var checks = sampling.Check?.Evaluate(sampling.Graph, run.Result) ?? [];
        SamplingOutputs.Write(context.Output, sampling, run, checks);
        var result = run.Result;
        var summary = new List<string>
        {
            $"{result.ParticleSteps:N0} particle-steps in {run.Reply.Seconds:F2} s ({result.ParticleSteps / Math.Max(run.Reply.Seconds, 1e-9):0.00e0} /s) " +
                $"on {run.Reply.Ensembles.Count} ensembles over {run.Reply.Ensembles.Select(e => e.Silo).Distinct().Count()} silos; {run.Reply.Replacements} ensemble moves",
        };
        if (result.Exited > 0)
        {
            summary.Add($"exited: {result.Exited:N0} of {result.Particles:N0}; mean exit time {result.MeanExitTime:0.#####} ± {result.MeanExitTimeStandardError:0.#####}");
        }

        if (result.TruncationWarning is { } warning)
        {
            summary.Add("warning: " + warning);
        }

        foreach (var line in checks)
        {
            summary.Add($"{(line.Passed ? "pass" : "FAIL")}  {line.What}: {line.Estimate:0.######} vs closed form {line.Exact:0.######} (tolerance {line.Tolerance:0.######})");
        }

        foreach (var shape in sampling.Warnings)
        {
            summary.Add("warning: " + shape);
        }

        IReadOnlyList<string> ran = sampling.Check is { } check ? [$"closed form {check.ClosedForm}, {checks.Count} quantities"] : [];
        return new ExperimentOutcome(checks.All(c => c.Passed), summary, ran);
    }
}
