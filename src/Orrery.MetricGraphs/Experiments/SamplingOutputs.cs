using System.Globalization;
using System.Text;
using System.Text.Json;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Experiments;

/// <summary>
/// Writes a sampling run's outputs into the staged output folder: <c>results.json</c> (settings, counts,
/// exits, mean exit time, work, truncation, timings, per-ensemble breakdown, checks), the CSV tables
/// <c>density.csv</c>, <c>occupation.csv</c>, <c>exits.csv</c>, <c>exit_times.csv</c>, the plots
/// <c>density.svg</c> and (with absorbing vertices) <c>exit_times.svg</c>, and <c>graph.json</c> (the graph
/// as sampled).
/// </summary>
public static class SamplingOutputs
{
    /// <summary>Most edges drawn in <c>density.svg</c> (the CSV has all of them).</summary>
    public const int PlottedEdges = 8;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes every output file of <paramref name="run"/>.</summary>
    public static void Write(ExperimentOutput output, SamplingSpec spec, SamplingRun run, IReadOnlyList<CheckLine> checks)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(run);
        output.WriteText("graph.json", spec.GraphJson);
        WriteResultsJson(output, spec, run, checks);
        WriteTables(output, spec.Graph, run);
        WritePlots(output, spec, run);
    }

    private static void WriteResultsJson(ExperimentOutput output, SamplingSpec spec, SamplingRun run, IReadOnlyList<CheckLine> checks)
    {
        var result = run.Result;
        var graph = spec.Graph;
        var last = result.WindowCount - 1;
        var file = new SamplingResultsFile(
            spec.Name,
            Settings(spec),
            new SamplingCountsJson(result.Particles, result.ParticleSteps, result.Splits, result.TruncatedSteps, result.Exited),
            result.TruncationFraction,
            result.TruncationWarning,
            graph.AbsorbingVertices.ToDictionary(v => graph.Vertices[v].Id, v => new ExitJson(result.ExitCounts[v], result.ExitFraction(v))),
            new EstimateJson(Finite(result.MeanExitTime), Finite(result.MeanExitTimeStandardError)),
            result.Samples(last) > 0 ? Enumerable.Range(0, graph.EdgeCount).ToDictionary(e => graph.Edges[e].Id, e => result.OccupationFraction(last, e)) : [],
            new TimingsJson(run.Reply.Seconds, run.Reply.Seconds > 0 ? result.ParticleSteps / run.Reply.Seconds : 0, run.Reply.Ensembles.Sum(e => e.ComputeSeconds)),
            run.JobKey,
            run.Reply.Silo,
            run.Restarts,
            run.Reply.Replacements,
            [.. run.Reply.Ensembles.Select(e => new EnsembleJson(e.Index, e.FirstParticle, e.Count, e.Silo, e.Device, e.Placements, e.ComputeSeconds, e.ParticleSteps, [.. e.MovedFrom]))],
            run.Reply.Ensembles.GroupBy(e => e.Silo).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(
                g => g.Key, g => new SiloJson(g.Count(), g.Sum(e => (long)e.Count), g.Sum(e => e.ParticleSteps), g.Sum(e => e.ComputeSeconds))),
            spec.Check is { } check
                ? new CheckJson(check.ClosedForm, check.StandardErrors, checks.All(c => c.Passed),
                    [.. checks.Select(c => new CheckLineJson(c.What, Finite(c.Estimate), Finite(c.Exact), Finite(c.Tolerance), c.Passed))])
                : null);
        using var stream = File.Create(output.PathFor("results.json"));
        JsonSerializer.Serialize(stream, file, SamplingResultsJsonContext.Default.SamplingResultsFile);
    }

    private static SamplingSettingsJson Settings(SamplingSpec spec)
    {
        var (graph, options) = (spec.Graph, spec.Options);
        return new SamplingSettingsJson(
            spec.GraphSource,
            graph.VertexCount,
            graph.EdgeCount,
            spec.Particles,
            Decimal(options.TimeStep),
            options.Steps,
            options.Steps * Decimal(options.TimeStep),
            options.MaxSplits,
            options.Boundary == BoundaryScheme.Step ? "step" : "bridge",
            options.Seed,
            spec.Initial.Kind switch
            {
                InitialKind.AtVertex => "vertex " + graph.Vertices[spec.Initial.Vertex].Id,
                InitialKind.AtPoint => $"edge {graph.Edges[spec.Initial.Edge].Id} at x = {spec.Initial.Position.ToString("R", Invariant)}",
                InitialKind.FromSources => "sources",
                _ => "uniform by length",
            },
            options.BinsPerEdge,
            options.SampleEvery,
            options.EffectiveWindowSteps,
            options.WindowCount,
            options.ExitTimeBins,
            options.EffectiveExitTimeSteps * Decimal(options.TimeStep),
            spec.Device.ToString().ToLowerInvariant(),
            spec.SliceSteps,
            spec.CheckpointEvery);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static void WriteTables(ExperimentOutput output, MetricGraph graph, SamplingRun run)
    {
        var result = run.Result;
        var density = new StringBuilder("window,edge,bin,x_start,x_end,samples,density\n");
        var occupation = new StringBuilder("window,edge,samples,fraction\n");
        for (var w = 0; w < result.WindowCount; w++)
        {
            var counts = result.WindowOccupation(w);
            var samples = result.Samples(w);
            var p = samples > 0 ? result.Density(w) : new double[counts.Length];
            for (var e = 0; e < graph.EdgeCount; e++)
            {
                var width = (double)graph.Lengths[e] / result.BinsPerEdge;
                for (var b = 0; b < result.BinsPerEdge; b++)
                {
                    var i = e * result.BinsPerEdge + b;
                    density.Append(Invariant, $"{w},{graph.Edges[e].Id},{b},{b * width:R},{(b + 1) * width:R},{counts[i]},{p[i]:R}\n");
                }

                occupation.Append(Invariant, $"{w},{graph.Edges[e].Id},{result.EdgeSamples(w, e)},{(samples > 0 ? result.OccupationFraction(w, e) : 0):R}\n");
            }
        }

        output.WriteText("density.csv", density.ToString());
        output.WriteText("occupation.csv", occupation.ToString());

        var exits = new StringBuilder("vertex,exits,fraction\n");
        foreach (var v in graph.AbsorbingVertices)
        {
            exits.Append(Invariant, $"{graph.Vertices[v].Id},{result.ExitCounts[v]},{result.ExitFraction(v):R}\n");
        }

        output.WriteText("exits.csv", exits.ToString());

        var times = new StringBuilder("bin,t_start,t_end,exits\n");
        var binTime = result.ExitTimeSteps * (double)result.TimeStep / result.ExitTimeBins;
        for (var b = 0; b <= result.ExitTimeBins; b++)
        {
            var end = b == result.ExitTimeBins ? "inf" : ((b + 1) * binTime).ToString("R", Invariant);
            times.Append(Invariant, $"{b},{b * binTime:R},{end},{result.ExitTimeHistogram[b]}\n");
        }

        output.WriteText("exit_times.csv", times.ToString());
    }

    private static void WritePlots(ExperimentOutput output, SamplingSpec spec, SamplingRun run)
    {
        var graph = spec.Graph;
        var result = run.Result;
        // The last window with particles on the graph (in an exit problem the late windows are empty).
        var last = result.WindowCount - 1;
        while (last > 0 && result.Samples(last) == 0)
        {
            last--;
        }

        var plot = new SvgPlot($"{spec.Name}: density per edge, window {last}", "position along the edge x", "density p_e(x)");
        if (result.Samples(last) > 0)
        {
            var density = result.Density(last);
            var exact = last == result.WindowCount - 1 ? spec.Check?.Density(graph) : null;
            for (var e = 0; e < Math.Min(graph.EdgeCount, PlottedEdges); e++)
            {
                var width = (double)graph.Lengths[e] / result.BinsPerEdge;
                var x = Enumerable.Range(0, result.BinsPerEdge).Select(b => (b + 0.5) * width).ToArray();
                plot.Line($"edge {graph.Edges[e].Id}", x, density.AsSpan(e * result.BinsPerEdge, result.BinsPerEdge).ToArray());
                if (exact is not null)
                {
                    var fine = Enumerable.Range(0, 101).Select(i => i * graph.Edges[e].Length / 100).ToArray();
                    plot.Line($"edge {graph.Edges[e].Id}, closed form", fine, fine.Select(xi => exact(e, xi)).ToArray(), dashed: true);
                }
            }
        }

        File.WriteAllText(output.PathFor("density.svg"), plot.Render());

        if (graph.AbsorbingVertices.Count > 0)
        {
            var binTime = result.ExitTimeSteps * (double)result.TimeStep / result.ExitTimeBins;
            var edges = Enumerable.Range(0, result.ExitTimeBins + 1).Select(b => b * binTime).ToArray();
            var heights = result.ExitTimeHistogram[..result.ExitTimeBins].ToArray().Select(c => c / (result.Particles * binTime)).ToArray();
            var exits = new SvgPlot($"{spec.Name}: exit times", "time t", "exit-time density (per particle)")
                .Histogram("exits", edges, heights);
            if (!double.IsNaN(result.MeanExitTime))
            {
                var top = heights.DefaultIfEmpty(0).Max();
                exits.Line($"mean {result.MeanExitTime:0.####} ± {result.MeanExitTimeStandardError:0.####}", [result.MeanExitTime, result.MeanExitTime], [0, top], dashed: true);
            }

            File.WriteAllText(output.PathFor("exit_times.svg"), exits.Render());
        }
    }

    /// <summary>The single-precision value as its shortest decimal (0.001, not 0.0010000000474974513).</summary>
    private static double Decimal(float value) => double.Parse(value.ToString("R", Invariant), Invariant);
}
