using Orrery.Experiments;
using Orrery.Gcn.Data;
using Orrery.Gcn.Graphs;
using Orrery.Gcn.Model;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Experiments;

/// <summary>A parsed, validated <c>kind: gcn</c> spec.</summary>
public sealed class GcnSpec
{
    private GcnSpec()
    {
    }

    /// <summary>The run's name.</summary>
    public string Name { get; private init; } = "";

    /// <summary>Builds the graph (generated or loaded); file errors name the file and line.</summary>
    public Func<GcnGraph> LoadGraph { get; private init; } = () => throw new InvalidOperationException();

    /// <summary>Model shape without the data-dependent widths (filled by <see cref="ModelFor"/>).</summary>
    public int Layers { get; private init; }

    /// <summary>Hidden width.</summary>
    public int Hidden { get; private init; }

    /// <summary>Trailing linear layers.</summary>
    public int LinearLayers { get; private init; }

    /// <summary>Layer kind.</summary>
    public GcnLayerKind Kind { get; private init; }

    /// <summary>Dropout rate.</summary>
    public float Dropout { get; private init; }

    /// <summary>metis or random.</summary>
    public string Partitioning { get; private init; } = "metis";

    /// <summary>Number of parts.</summary>
    public int Parts { get; private init; }

    /// <summary>Exchange mode and smoothing.</summary>
    public ExchangeSettings Exchange { get; private init; } = new();

    /// <summary>Epochs.</summary>
    public int Epochs { get; private init; }

    /// <summary>Adam step size.</summary>
    public float LearningRate { get; private init; }

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; private init; }

    /// <summary>Seeds weights, dropout and partitioning.</summary>
    public int Seed { get; private init; }

    /// <summary>The model for <paramref name="graph"/>.</summary>
    public GcnModelConfig ModelFor(GcnGraph graph) =>
        new(graph.FeatureCount, Hidden, graph.ClassCount, Layers, LinearLayers, Kind, Dropout, graph.MultiLabel, (ulong)Seed);

    /// <summary>Parses and checks <paramref name="root"/>; errors name the field and its line.</summary>
    public static GcnSpec Parse(SpecNode root)
    {
        root.AllowOnly("kind", "name", "data", "model", "partitioning", "exchange", "training");
        var data = root.Require("data");
        var source = data.Require("source").AsChoice("csbm", "files");
        Func<GcnGraph> load;
        if (source == "csbm")
        {
            data.AllowOnly("source", "nodes", "classes", "features", "p_in", "p_out", "separation", "seed");
            var csbm = new CsbmGenerator(
                data.Require("nodes").AsInt(2, 100_000_000),
                data.Optional("classes")?.AsInt(2, 1000) ?? 4,
                data.Optional("features")?.AsInt(1, 100_000) ?? 16,
                data.Require("p_in").AsDouble(0, 1),
                data.Require("p_out").AsDouble(0, 1),
                data.Optional("separation")?.AsDouble(0, 1e6) ?? 1.0,
                data.Optional("seed")?.AsInt() ?? 1);
            if (csbm.Features < csbm.Classes)
            {
                throw data.Require("features").Fail($"is {csbm.Features}; it must be at least classes ({csbm.Classes})");
            }

            load = csbm.Generate;
        }
        else
        {
            data.AllowOnly("source", "edges", "features", "labels", "undirected", "seed");
            var edges = data.Require("edges").AsPath();
            var features = data.Require("features").AsPath();
            var labels = data.Require("labels").AsPath();
            var undirected = data.Optional("undirected")?.AsBool() ?? true;
            var seed = data.Optional("seed")?.AsInt() ?? 1;
            load = () => GraphFiles.Load(edges, features, labels, undirected, seed);
        }

        var model = root.Optional("model");
        model?.AllowOnly("layers", "hidden", "linear_layers", "kind", "dropout");
        var layers = model?.Optional("layers")?.AsInt(1, 64) ?? 3;
        var linear = model?.Optional("linear_layers")?.AsInt(0, 63) ?? 0;
        if (linear >= layers)
        {
            throw model!.Require("linear_layers").Fail($"is {linear}; it must be below layers ({layers}) so at least one layer aggregates");
        }

        var partitioning = root.Optional("partitioning");
        partitioning?.AllowOnly("method", "parts");
        var exchange = root.Optional("exchange");
        exchange?.AllowOnly("mode", "smooth", "gamma");
        var training = root.Optional("training");
        training?.AllowOnly("epochs", "learning_rate", "weight_decay", "seed");
        var mode = exchange?.Optional("mode")?.AsChoice("vanilla", "pipelined", "smoothed") ?? "vanilla";
        var smooth = exchange?.Optional("smooth")?.AsChoice("features", "gradients", "both") ?? "both";
        return new GcnSpec
        {
            Name = root.Optional("name")?.AsString() ?? "gcn",
            LoadGraph = load,
            Layers = layers,
            Hidden = model?.Optional("hidden")?.AsInt(1, 65536) ?? 64,
            LinearLayers = linear,
            Kind = (model?.Optional("kind")?.AsChoice("sage", "gcn") ?? "sage") == "sage" ? GcnLayerKind.Sage : GcnLayerKind.Gcn,
            Dropout = (float)(model?.Optional("dropout")?.AsDouble(0, 0.99) ?? 0.5),
            Partitioning = partitioning?.Optional("method")?.AsChoice("metis", "random") ?? "metis",
            Parts = partitioning?.Optional("parts")?.AsInt(1, 4096) ?? 1,
            Exchange = new ExchangeSettings(
                Enum.Parse<ExchangeMode>(mode, ignoreCase: true),
                Enum.Parse<SmoothingTarget>(smooth, ignoreCase: true),
                (float)(exchange?.Optional("gamma")?.AsDouble(0, 0.999999) ?? 0.95)),
            Epochs = training?.Optional("epochs")?.AsInt(1, 1_000_000) ?? 100,
            LearningRate = (float)(training?.Optional("learning_rate")?.AsDouble(1e-9, 10) ?? 0.01),
            WeightDecay = (float)(training?.Optional("weight_decay")?.AsDouble(0, 10) ?? 0),
            Seed = training?.Optional("seed")?.AsInt() ?? 1,
        };
    }
}
