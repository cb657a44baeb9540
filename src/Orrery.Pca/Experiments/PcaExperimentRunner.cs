using System.Globalization;
using System.Text.Json;
using Orrery.Contracts.Pca;
using Orrery.Experiments;

namespace Orrery.Pca.Experiments;

/// <summary>
/// <c>kind: pca</c>: runs each listed solver on the Orleans cluster (shards and workers placed round-robin over the
/// active silos by the coordinator) and writes, per solver, eigenvalues.csv, eigenvectors.npy and .csv and history.csv, plus
/// convergence.svg (E against rounds for every solver) and summary.json.
/// </summary>
public sealed class PcaExperimentRunner : IExperimentRunner
{
    public string Kind => "pca";

    /// <inheritdoc />
    public void Check(SpecNode spec) => _ = PcaSpec.Parse(spec);

    /// <inheritdoc />
    public async Task<ExperimentOutcome> RunAsync(ExperimentContext context, SpecNode spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parsed = PcaSpec.Parse(spec);
        var grains = context.Cluster;
        var job = $"pca-{parsed.Name}-{Guid.NewGuid():N}"[..Math.Min(40, parsed.Name.Length + 13)];
        var results = new List<(PcaStartRequest Request, PcaJobResult Result)>();
        for (var i = 0; i < parsed.Runs.Count; i++)
        {
            var request = parsed.Runs[i].Clone();
            var index = i;
            var solver = request.Solver;
            void OnSlice(PcaAdvanceReply slice)
            {
                if (slice.Rounds.Count == 0)
                {
                    // The set-up: loading the shards, computing the truth.
                    context.Progress.Report(new ExperimentProgress((double)index / parsed.Runs.Count, $"{solver}: {slice.Phase}"));
                    return;
                }

                var last = slice.Rounds[^1];
                var fraction = (index + Math.Min(1.0, (double)last.Round / request.MaxRounds)) / parsed.Runs.Count;
                var error = double.IsNaN(last.Error) ? $"M = {last.Captured:g4}" : $"E = {last.Error:0.00e+0}";
                context.Progress.Report(new ExperimentProgress(fraction, $"{solver}: round {last.Round}, {error}, {last.Seconds:F1} s"));
            }

            var result = await PcaJob.RunAsync(grains, $"{job}/{solver}", request, OnSlice, say: context.Say, cancellationToken: cancellationToken).ConfigureAwait(false);
            results.Add((request, result));
            context.Progress.Report(new ExperimentProgress((i + 1.0) / parsed.Runs.Count, $"{solver}: {result.Result.StopReason}"));
        }

        return WriteOutputs(context.Output, parsed, results);
    }

    private static ExperimentOutcome WriteOutputs(ExperimentOutput output, PcaSpec spec, List<(PcaStartRequest Request, PcaJobResult Result)> results)
    {
        var hasTruth = results.All(r => r.Result.Start.HasTruth);
        var plot = new SvgPlot(
            $"PCA {spec.Name}: {(hasTruth ? "error E" : "discounted captured variance M")} against rounds",
            "round",
            hasTruth ? "E = sqrt(mean_k min_s ||u_k - s v_k||^2)" : "M = sum_k v_k^T Sigma v_k / k")
        { LogY = hasTruth };
        var summary = new List<string>();
        var runs = new List<object>();
        foreach (var (request, result) in results)
        {
            var solver = request.Solver;
            var history = result.Result.History;
            var last = history.Count > 0 ? history[^1] : new PcaRoundRecord { Error = double.NaN };
            WriteSolverFiles(output, solver, result, last);
            plot.Line(solver, [.. history.Select(r => (double)r.Round)], [.. history.Select(r => hasTruth ? r.Error : r.Captured)]);
            summary.Add($"{solver}: {result.Result.StopReason}; {history.Count} rounds (T = {request.StepsPerRound}) in {last.Seconds:F2} s, " +
                $"{(hasTruth ? $"E = {last.Error:0.000e+0}, streak {last.Streak}/{request.Components}, " : "")}M = {last.Captured:g6}, {last.Bytes / 1e6:F1} MB communicated" +
                (result.Result.Recoveries > 0 ? $", {result.Result.Recoveries} round(s) re-run after failures, {result.Result.ReloadedShards} shard(s) re-loaded" : ""));
            runs.Add(RunSummary(request, result, last));
        }

        plot.Save(output.PathFor("convergence.svg"));
        WriteSummaryJson(output, spec, results[0], hasTruth, runs);

        // The check: with a target, parallel deflation (or, without it in the list, any solver) must reach it.
        var target = results[0].Request.TargetError;
        var judged = results.Where(r => r.Request.Solver == "parallel").ToList() is { Count: > 0 } parallel ? parallel : results;
        var passed = target == 0 || judged.Any(r => r.Result.Result.History.Count > 0 && r.Result.Result.History[^1].Error <= target);
        IReadOnlyList<string> ran = target == 0 ? [] : [$"target error {target:0.###e0} reached by {(judged == results ? "a solver" : "parallel deflation")}"];
        return new ExperimentOutcome(passed, summary, ran);
    }

    /// <summary>One solver's folder: eigenvectors.npy and .csv, eigenvalues.csv (with the truth and angles where known), history.csv.</summary>
    private static void WriteSolverFiles(ExperimentOutput output, string solver, PcaJobResult result, PcaRoundRecord last)
    {
        var history = result.Result.History;
        PcaOutputFiles.WriteNpy(output.PathFor($"{solver}/eigenvectors.npy"), result.Vectors);
        PcaOutputFiles.WriteCsv(output.PathFor($"{solver}/eigenvectors.csv"), result.Vectors);
        var eigenvalues = new List<string> { "k,eigenvalue,true_eigenvalue,angle_degrees" };
        for (var k = 0; k < result.Result.Eigenvalues.Count; k++)
        {
            var truth = k < result.Start.TrueEigenvalues.Count ? F(result.Start.TrueEigenvalues[k]) : "";
            var angle = k < last.AnglesDegrees.Count ? F(last.AnglesDegrees[k]) : "";
            eigenvalues.Add($"{k + 1},{F(result.Result.Eigenvalues[k])},{truth},{angle}");
        }

        output.WriteText($"{solver}/eigenvalues.csv", string.Join('\n', eigenvalues) + "\n");
        output.WriteText($"{solver}/history.csv", "round,steps,error,streak,captured_variance,seconds,bytes\n" + string.Concat(history.Select(r =>
            $"{r.Round},{r.Steps},{F(r.Error)},{r.Streak},{F(r.Captured)},{F(r.Seconds)},{r.Bytes}\n")));
    }

    /// <summary>One solver's entry in summary.json's runs.</summary>
    private static object RunSummary(PcaStartRequest request, PcaJobResult result, PcaRoundRecord last)
    {
        var history = result.Result.History;
        return new
        {
            solver = request.Solver,
            top1 = request.Top1,
            asynchronous = request.Asynchronous,
            finished = result.Result.Finished,
            stop_reason = result.Result.StopReason,
            target_reached = request.TargetError > 0 && last.Error <= request.TargetError,
            rounds = history.Count,
            steps_per_round = request.StepsPerRound,
            oversample = request.Solver == "subspace" ? request.Oversample : (int?)null,
            final_error = Json(last.Error),
            longest_streak = last.Streak,
            discounted_captured_variance = Json(last.Captured),
            seconds = last.Seconds,
            bytes_communicated = last.Bytes,
            recoveries = result.Result.Recoveries,
            reloaded_shards = result.Result.ReloadedShards,
            eigenvalues = result.Result.Eigenvalues.Select(Json).ToArray(),
            angles_degrees = last.AnglesDegrees.Select(Json).ToArray(),
            seconds_to_1e3 = SecondsTo(history, 1e-3),
            seconds_to_1e6 = SecondsTo(history, 1e-6),
            bytes_to_1e3 = BytesTo(history, 1e-3),
            bytes_to_1e6 = BytesTo(history, 1e-6),
            shard_silos = result.Start.ShardSilos.ToArray(),
            worker_silos = result.Start.WorkerSilos.ToArray(),
        };
    }

    /// <summary>summary.json: the data and set-up (shared by every run, taken from the first) and one entry per run.</summary>
    private static void WriteSummaryJson(ExperimentOutput output, PcaSpec spec, (PcaStartRequest Request, PcaJobResult Result) first, bool hasTruth, List<object> runs)
    {
        var document = new
        {
            name = spec.Name,
            source = JsonSerializer.SerializeToElement(first.Request.Source, SourceJson),
            mode = first.Request.Mode,
            rows = first.Result.Start.Rows,
            dimension = first.Result.Start.Dimension,
            components = first.Request.Components,
            shards = first.Request.Shards,
            leaves = first.Request.Leaves,
            has_truth = hasTruth,
            true_eigenvalues = first.Result.Start.TrueEigenvalues.ToArray(),
            load_seconds = first.Result.Start.LoadSeconds,
            truth_seconds = first.Result.Start.TruthSeconds,
            runs,
        };
        output.WriteText("summary.json", JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    // The source as it was written before the move (protobuf's JSON form): camelCase names, defaults left out.
    private static readonly JsonSerializerOptions SourceJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault,
    };

    private static double? SecondsTo(IEnumerable<PcaRoundRecord> history, double error) => history.FirstOrDefault(r => r.Error <= error)?.Seconds;

    private static long? BytesTo(IEnumerable<PcaRoundRecord> history, double error) => history.FirstOrDefault(r => r.Error <= error)?.Bytes;

    private static double? Json(double value) => double.IsFinite(value) ? value : null;

    private static string F(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";
}
