using Orrery.Contracts.Pca;
using Orrery.Experiments;
using Orrery.Pca.Data;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Experiments;

/// <summary>
/// A parsed <c>kind: pca</c> spec: one <see cref="PcaStartRequest"/> per solver, each validated before
/// any grain is called. Errors name the file, line, column and field.
/// </summary>
public sealed record PcaSpec(string Name, IReadOnlyList<PcaStartRequest> Runs)
{
    private static readonly string[] Fields =
    [
        "kind", "name", "data", "mode", "shards", "leaves", "components", "steps_per_round", "rounds", "target_error",
        "truth", "seed", "eta", "asynchronous", "top1", "solvers", "angle_threshold_degrees", "steps_per_vector",
        "oversample", "eta_decay_steps",
    ];

    private static readonly string[] SolverChoices = ["parallel", "sequential", "eigengame", "subspace"];

    private static readonly string[] DataFields = ["source", "spectrum", "dimension", "rows", "seed", "noise", "rank", "path", "center", "scale", "split", "max_rows"];

    /// <summary>Reads and checks the spec rooted at <paramref name="root"/>.</summary>
    public static PcaSpec Parse(SpecNode root)
    {
        root.AllowOnly(Fields);
        var name = root.Optional("name")?.AsString() ?? Path.GetFileNameWithoutExtension(root.File);
        var dataNode = root.Require("data");
        var source = ParseSource(dataNode);
        var template = new PcaStartRequest
        {
            Source = source,
            Mode = root.Optional("mode")?.AsChoice("matrix-free", "covariance") ?? "matrix-free",
            Shards = root.Optional("shards")?.AsInt(1, 1024) ?? 1,
            Leaves = root.Optional("leaves")?.AsInt(1, 1 << 16) ?? 0,
            Components = root.Require("components").AsInt(1, 100_000),
            StepsPerRound = root.Optional("steps_per_round")?.AsInt(1, 100_000) ?? 1,
            MaxRounds = root.Optional("rounds")?.AsInt(1, 10_000_000) ?? 1000,
            TargetError = root.Optional("target_error")?.AsDouble(0, 10) ?? 0,
            Truth = root.Optional("truth")?.AsChoice("auto", "exact", "none") ?? "auto",
            Seed = (ulong)(root.Optional("seed")?.AsLong(0) ?? 1),
            Eta = root.Optional("eta")?.AsDouble(1e-12, 1e6) ?? 1,
            Asynchronous = root.Optional("asynchronous")?.AsBool() ?? false,
            Top1 = root.Optional("top1")?.AsChoice("power", "oja") ?? "power",
            AngleThresholdDegrees = root.Optional("angle_threshold_degrees")?.AsDouble(1e-9, 90) ?? PcaMetrics.DefaultStreakAngleDegrees,
            StepsPerVector = root.Optional("steps_per_vector")?.AsInt(1, int.MaxValue) ?? 0,
            EtaDecaySteps = root.Optional("eta_decay_steps")?.AsInt(1, int.MaxValue) ?? 0,
        };
        if (root.Optional("oversample") is { } oversample)
        {
            template.Oversample = oversample.AsInt(0, 100_000);
        }

        var solversNode = root.Optional("solvers");
        var solvers = solversNode is null ? ["parallel"]
            : solversNode.IsSequence ? solversNode.Items.Select(i => i.AsChoice(SolverChoices)).ToList()
            : [solversNode.AsChoice(SolverChoices)];
        if (solvers.Count == 0 || solvers.Distinct().Count() != solvers.Count)
        {
            throw solversNode!.Fail($"list each solver once: {string.Join(", ", SolverChoices)}");
        }

        var runs = new List<PcaStartRequest>();
        foreach (var solver in solvers)
        {
            var run = template.Clone();
            run.Solver = solver;
            try
            {
                runs.Add(PcaOptions.Normalise(run));
            }
            catch (DataFormatException e)
            {
                throw dataNode.Fail(e.Message);
            }
            catch (PcaOptionException e)
            {
                // The field the check names, where the spec sets it (a default that does not fit: the spec's root).
                var at = e.Field == "data" ? dataNode : root.Optional(e.Field) ?? root;
                throw at.Fail($"{e.Message} (solver {solver})");
            }
            catch (ArgumentException e)
            {
                throw root.Fail($"{e.Message} (solver {solver})");
            }
        }

        return new PcaSpec(name, runs);
    }

    private static PcaSource ParseSource(SpecNode data)
    {
        if (data.IsScalar)
        {
            // The one-line form: "data: fashion-mnist" is the 60,000 training images, scaled to [0, 1], centred.
            var kind = data.AsChoice("fashion-mnist");
            return new PcaSource { Kind = kind, Split = "train", Scale = 255, Center = true };
        }

        data.AllowOnly(DataFields);
        var sourceNode = data.Require("source");
        var source = new PcaSource { Kind = sourceNode.AsChoice("generated", "idx", "csv", "raw", "fashion-mnist") };
        switch (source.Kind)
        {
            case "generated":
                source.Spectrum = data.Require("spectrum").AsChoice("power", "exponential", "spiked", "low-rank");
                source.Dimension = data.Require("dimension").AsInt(2, 1_000_000);
                source.Rows = data.Optional("rows")?.AsLong(1) ?? 2L * source.Dimension + 1;
                source.Seed = (ulong)(data.Optional("seed")?.AsLong(0) ?? 1);
                source.Noise = data.Optional("noise")?.AsDouble(0, 1e6) ?? (source.Spectrum is "spiked" or "low-rank" ? 0.05 : 0);
                source.Rank = data.Optional("rank")?.AsInt(1, source.Dimension) ?? 10;
                if (source.Rows <= source.Dimension)
                {
                    throw data.Require("rows").Fail($"a generated data matrix needs more rows than its dimension ({source.Dimension})");
                }

                break;
            case "fashion-mnist":
                source.Split = data.Optional("split")?.AsChoice("train", "test", "all") ?? "train";
                source.Scale = data.Optional("scale")?.AsDouble(1e-12) ?? 255;
                source.Center = data.Optional("center")?.AsBool() ?? true;
                source.Rows = data.Optional("max_rows")?.AsLong(0) ?? 0;
                break;
            default:
                var pathNode = data.Require("path");
                source.Path = pathNode.AsPath();
                if (!File.Exists(source.Path))
                {
                    throw pathNode.Fail($"{source.Path} does not exist");
                }

                source.Scale = data.Optional("scale")?.AsDouble(1e-12) ?? 1;
                source.Center = data.Optional("center")?.AsBool() ?? true;
                source.Rows = data.Optional("max_rows")?.AsLong(0) ?? 0;
                break;
        }

        return source;
    }
}
