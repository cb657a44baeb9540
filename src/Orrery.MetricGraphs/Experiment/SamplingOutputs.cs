using System.Globalization;
using System.Text;
using System.Text.Json;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Experiment;

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
        var options = spec.Options;
        using var stream = File.Create(output.PathFor("results.json"));
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("name", spec.Name);
        json.WriteStartObject("settings");
        json.WriteString("graph", spec.GraphSource);
        json.WriteNumber("vertices", graph.VertexCount);
        json.WriteNumber("edges", graph.EdgeCount);
        json.WriteNumber("particles", spec.Particles);
        json.WriteNumber("dt", Decimal(options.TimeStep));
        json.WriteNumber("steps", options.Steps);
        json.WriteNumber("end_time", options.Steps * Decimal(options.TimeStep));
        json.WriteNumber("max_splits", options.MaxSplits);
        json.WriteString("boundary", options.Boundary == BoundaryScheme.Step ? "step" : "bridge");
        json.WriteNumber("seed", options.Seed);
        json.WriteString("initial", spec.Initial.Kind switch
        {
            InitialKind.AtVertex => "vertex " + graph.Vertices[spec.Initial.Vertex].Id,
            InitialKind.AtPoint => $"edge {graph.Edges[spec.Initial.Edge].Id} at x = {spec.Initial.Position.ToString("R", Invariant)}",
            InitialKind.FromSources => "sources",
            _ => "uniform by length",
        });
        json.WriteNumber("bins_per_edge", options.BinsPerEdge);
        json.WriteNumber("sample_every", options.SampleEvery);
        json.WriteNumber("window_steps", options.EffectiveWindowSteps);
        json.WriteNumber("windows", options.WindowCount);
        json.WriteNumber("exit_time_bins", options.ExitTimeBins);
        json.WriteNumber("exit_time_max", options.EffectiveExitTimeSteps * Decimal(options.TimeStep));
        json.WriteString("device", spec.Device.ToString().ToLowerInvariant());
        json.WriteNumber("slice_steps", spec.SliceSteps);
        json.WriteNumber("checkpoint_every", spec.CheckpointEvery);
        json.WriteEndObject();

        json.WriteStartObject("counts");
        json.WriteNumber("particles", result.Particles);
        json.WriteNumber("particle_steps", result.ParticleSteps);
        json.WriteNumber("splits", result.Splits);
        json.WriteNumber("truncated_steps", result.TruncatedSteps);
        json.WriteNumber("exited", result.Exited);
        json.WriteEndObject();
        json.WriteNumber("truncation_fraction", result.TruncationFraction);
        if (result.TruncationWarning is { } warning)
        {
            json.WriteString("truncation_warning", warning);
        }
        else
        {
            json.WriteNull("truncation_warning");
        }

        json.WriteStartObject("exits");
        foreach (var v in graph.AbsorbingVertices)
        {
            json.WriteStartObject(graph.Vertices[v].Id);
            json.WriteNumber("count", result.ExitCounts[v]);
            json.WriteNumber("fraction", result.ExitFraction(v));
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartObject("mean_exit_time");
        Number(json, "value", result.MeanExitTime);
        Number(json, "standard_error", result.MeanExitTimeStandardError);
        json.WriteEndObject();

        json.WriteStartObject("occupation_last_window");
        var last = result.WindowCount - 1;
        for (var e = 0; e < graph.EdgeCount && result.Samples(last) > 0; e++)
        {
            json.WriteNumber(graph.Edges[e].Id, result.OccupationFraction(last, e));
        }

        json.WriteEndObject();

        json.WriteStartObject("timings");
        json.WriteNumber("seconds", run.Reply.Seconds);
        json.WriteNumber("particle_steps_per_second", run.Reply.Seconds > 0 ? result.ParticleSteps / run.Reply.Seconds : 0);
        json.WriteNumber("compute_seconds", run.Reply.Ensembles.Sum(e => e.ComputeSeconds));
        json.WriteEndObject();
        json.WriteString("job", run.JobKey);
        json.WriteString("coordinator_silo", run.Reply.Silo);
        json.WriteNumber("coordinator_restarts", run.Restarts);
        json.WriteNumber("ensemble_moves", run.Reply.Replacements);
        json.WriteStartArray("ensembles");
        foreach (var e in run.Reply.Ensembles)
        {
            json.WriteStartObject();
            json.WriteNumber("index", e.Index);
            json.WriteNumber("first_particle", e.FirstParticle);
            json.WriteNumber("particles", e.Count);
            json.WriteString("silo", e.Silo);
            json.WriteString("device", e.Device);
            json.WriteNumber("placements", e.Placements);
            json.WriteNumber("compute_seconds", e.ComputeSeconds);
            json.WriteNumber("particle_steps", e.ParticleSteps);
            json.WriteStartArray("moved_from");
            foreach (var moved in e.MovedFrom)
            {
                json.WriteStringValue(moved);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("silos");
        foreach (var silo in run.Reply.Ensembles.GroupBy(e => e.Silo).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            json.WriteStartObject(silo.Key);
            json.WriteNumber("ensembles", silo.Count());
            json.WriteNumber("particles", silo.Sum(e => (long)e.Count));
            json.WriteNumber("particle_steps", silo.Sum(e => e.ParticleSteps));
            json.WriteNumber("compute_seconds", silo.Sum(e => e.ComputeSeconds));
            json.WriteEndObject();
        }

        json.WriteEndObject();
        if (spec.Check is { } check)
        {
            json.WriteStartObject("check");
            json.WriteString("closed_form", check.ClosedForm);
            json.WriteNumber("standard_errors", check.StandardErrors);
            json.WriteBoolean("passed", checks.All(c => c.Passed));
            json.WriteStartArray("lines");
            foreach (var line in checks)
            {
                json.WriteStartObject();
                json.WriteString("quantity", line.What);
                Number(json, "estimate", line.Estimate);
                Number(json, "exact", line.Exact);
                Number(json, "tolerance", line.Tolerance);
                json.WriteBoolean("passed", line.Passed);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

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

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
