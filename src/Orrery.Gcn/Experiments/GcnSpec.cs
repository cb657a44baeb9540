using Orrery.Contracts.Gcn;
using Orrery.Contracts.MetricGraphs;
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

    /// <summary>
    /// Boundary blocks up to 1 MiB travel inside the Orleans message by default (<c>exchange.inline_limit</c>, bytes; 0
    /// sends every block by tensor reference): below about 1 MiB a message costs less than a tensor put, fetch and release
    /// (measured for PCA's vector blocks, issue 9).
    /// </summary>
    public const int DefaultInlineLimitBytes = 1 << 20;

    /// <summary>Epochs between the checkpoints the coordinator hands the client (<c>training.checkpoint_every</c>).</summary>
    public const int DefaultCheckpointEvery = 10;

    /// <summary>The run as the coordinator and partition grains receive it.</summary>
    public GcnTrainRequest Request { get; private init; } = new();

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

    /// <summary>Layer 0's aggregation computed once before training (no exchange at layer 0 in any epoch).</summary>
    public bool Precompute { get; private init; }

    /// <summary>
    /// Layer 0's halo rows travel every iteration (<c>exchange.input_rows: exchanged</c>) instead of being formed by each
    /// part from the features every silo holds (<c>local</c>, the default).
    /// </summary>
    public bool ExchangeInputRows { get; private init; }

    /// <summary>metis or random.</summary>
    public string Partitioning { get; private init; } = "metis";

    /// <summary>Number of parts.</summary>
    public int Parts { get; private init; }

    /// <summary>Exchange mode and smoothing.</summary>
    public ExchangeSettings Exchange { get; private init; } = new();

    /// <summary>Epochs.</summary>
    public int Epochs { get; private init; }

    /// <summary>Epochs between evaluation passes (<c>training.evaluate_every</c>; the last epoch is always evaluated).</summary>
    public int EvaluateEvery { get; private init; } = 1;

    /// <summary>Adam step size.</summary>
    public float LearningRate { get; private init; }

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; private init; }

    /// <summary>Seeds weights, dropout and partitioning.</summary>
    public int Seed { get; private init; }

    /// <summary>The model for <paramref name="graph"/>.</summary>
    public GcnModelConfig ModelFor(GcnGraph graph) =>
        new(graph.FeatureCount, Hidden, graph.ClassCount, Layers, LinearLayers, Kind, Dropout, graph.MultiLabel, (ulong)Seed, Precompute, ExchangeInputRows);

    /// <summary>Parses and checks <paramref name="root"/>; errors name the field and its line.</summary>
    public static GcnSpec Parse(SpecNode root)
    {
        root.AllowOnly("kind", "name", "data", "model", "partitioning", "exchange", "training");
        var request = ReadData(root.Require("data"));

        var model = root.Optional("model");
        model?.AllowOnly("layers", "hidden", "linear_layers", "kind", "dropout", "precompute");
        var layers = model?.Optional("layers")?.AsInt(1, 64) ?? 3;
        var linear = model?.Optional("linear_layers")?.AsInt(0, 63) ?? 0;
        if (linear >= layers)
        {
            throw model!.Require("linear_layers").Fail($"is {linear}; it must be below layers ({layers}) so at least one layer aggregates");
        }

        var partitioning = root.Optional("partitioning");
        partitioning?.AllowOnly("method", "parts");
        var exchange = root.Optional("exchange");
        exchange?.AllowOnly("mode", "smooth", "gamma", "inline_limit", "input_rows");
        var training = root.Optional("training");
        training?.AllowOnly("epochs", "learning_rate", "weight_decay", "seed", "checkpoint_every", "evaluate_every", "device");
        var mode = exchange?.Optional("mode")?.AsChoice("vanilla", "pipelined", "smoothed") ?? "vanilla";
        var smooth = exchange?.Optional("smooth")?.AsChoice("features", "gradients", "both") ?? "both";
        request.Name = root.Optional("name")?.AsString() ?? "gcn";
        request.Layers = layers;
        request.Hidden = model?.Optional("hidden")?.AsInt(1, 65536) ?? 64;
        request.LinearLayers = linear;
        request.Kind = model?.Optional("kind")?.AsChoice("sage", "gcn") ?? "sage";
        request.Dropout = (float)(model?.Optional("dropout")?.AsDouble(0, 0.99) ?? 0.5);
        request.PrecomputeFirstLayer = model?.Optional("precompute")?.AsBool() ?? false;
        request.Partitioning = partitioning?.Optional("method")?.AsChoice("metis", "random") ?? "metis";
        request.Parts = partitioning?.Optional("parts")?.AsInt(1, 4096) ?? 1;
        request.Mode = mode;
        request.Smooth = smooth;
        request.Gamma = (float)(exchange?.Optional("gamma")?.AsDouble(0, 0.999999) ?? 0.95);
        request.InlineLimitBytes = exchange?.Optional("inline_limit")?.AsInt(0, 64 << 20) ?? DefaultInlineLimitBytes;
        request.ExchangeInputRows = (exchange?.Optional("input_rows")?.AsChoice("local", "exchanged") ?? "local") == "exchanged";
        request.Epochs = training?.Optional("epochs")?.AsInt(1, 1_000_000) ?? 100;
        request.LearningRate = (float)(training?.Optional("learning_rate")?.AsDouble(1e-9, 10) ?? 0.01);
        request.WeightDecay = (float)(training?.Optional("weight_decay")?.AsDouble(0, 10) ?? 0);
        request.Seed = training?.Optional("seed")?.AsInt() ?? 1;
        request.CheckpointEvery = training?.Optional("checkpoint_every")?.AsInt(0, 1_000_000) ?? DefaultCheckpointEvery;
        request.EvaluateEvery = training?.Optional("evaluate_every")?.AsInt(1, 1_000_000) ?? 1;
        request.Device = (training?.Optional("device")?.AsChoice("any", "cpu", "gpu") ?? "any") switch
        {
            "cpu" => DevicePreference.Cpu,
            "gpu" => DevicePreference.Gpu,
            _ => DevicePreference.Any,
        };
        return new GcnSpec
        {
            Request = request,
            Name = request.Name,
            LoadGraph = () => GcnRunSetup.LoadGraph(request),
            Layers = request.Layers,
            Hidden = request.Hidden,
            LinearLayers = request.LinearLayers,
            Kind = request.Kind == "sage" ? GcnLayerKind.Sage : GcnLayerKind.Gcn,
            Dropout = request.Dropout,
            Precompute = request.PrecomputeFirstLayer,
            ExchangeInputRows = request.ExchangeInputRows,
            Partitioning = request.Partitioning,
            Parts = request.Parts,
            Exchange = new ExchangeSettings(Enum.Parse<ExchangeMode>(mode, ignoreCase: true), Enum.Parse<SmoothingTarget>(smooth, ignoreCase: true), request.Gamma),
            Epochs = request.Epochs,
            EvaluateEvery = request.EvaluateEvery,
            LearningRate = request.LearningRate,
            WeightDecay = request.WeightDecay,
            Seed = request.Seed,
        };
    }

    /// <summary>The <c>data</c> section: which graph, and its parameters.</summary>
    private static GcnTrainRequest ReadData(SpecNode data)
    {
        var source = data.Require("source").AsChoice("csbm", "fashion-mnist", "graph-tool", "files");
        var request = new GcnTrainRequest { Source = source };
        switch (source)
        {
            case "csbm":
                ReadCsbm(data, request);
                break;
            case "fashion-mnist":
                ReadFashionMnist(data, request);
                break;
            case "graph-tool":
                ReadGraphTool(data, request);
                break;
            default:
                ReadFiles(data, request);
                break;
        }

        return request;
    }

    private static void ReadCsbm(SpecNode data, GcnTrainRequest request)
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

        request.Nodes = csbm.Nodes;
        request.Classes = csbm.Classes;
        request.Features = csbm.Features;
        request.PIn = csbm.IntraProbability;
        request.POut = csbm.InterProbability;
        request.Separation = csbm.Separation;
        request.DataSeed = csbm.Seed;
    }

    private static void ReadFashionMnist(SpecNode data, GcnTrainRequest request)
    {
        data.AllowOnly("source", "images", "k", "directory");
        var images = data.Optional("images")?.AsInt(2, FashionMnistKnn.AllImages) ?? FashionMnistKnn.AllImages;
        var graph = new FashionMnistKnn(images, data.Optional("k")?.AsInt(1, images - 1) ?? 10, data.Optional("directory")?.AsPath() ?? FashionMnistKnn.DefaultDirectory);
        try
        {
            graph.Validate();
            _ = graph.Files();
        }
        catch (Exception e) when (e is ArgumentException or GcnDataException)
        {
            throw data.Fail(e.Message);
        }

        request.Nodes = graph.Images;
        request.Neighbours = graph.Neighbours;
        request.DataDirectory = graph.Directory;
    }

    private static void ReadGraphTool(SpecNode data, GcnTrainRequest request)
    {
        data.AllowOnly("source", "name", "directory", "label", "features", "feature_width", "seed");
        var features = data.Optional("features")?.AsChoice("identity", "random") ?? "identity";
        var width = data.Optional("feature_width");
        if (width is not null && features == "identity")
        {
            throw width.Fail("applies to features: random only (identity features are one column per node)");
        }

        var graph = new GraphToolCollection(
            data.Require("name").AsString(),
            data.Optional("directory")?.AsPath() ?? "",
            data.Optional("label")?.AsString() ?? GraphToolCollection.DefaultLabel,
            features == "random" ? GraphToolFeatures.Random : GraphToolFeatures.Identity,
            width?.AsInt(1, 65_536) ?? GraphToolCollection.DefaultFeatureWidth,
            data.Optional("seed")?.AsInt() ?? 1);
        string file;
        try
        {
            graph.Validate();
            file = graph.Read().Path;
        }
        catch (ArgumentException e)
        {
            // "data.name is ...": the field the message names.
            var field = e.Message.StartsWith("data.", StringComparison.Ordinal) ? e.Message[5..e.Message.IndexOf(' ', StringComparison.Ordinal)] : "";
            throw (data.Optional(field) ?? data).Fail(e.Message);
        }
        catch (GcnDataException e)
        {
            var at = e.Message.Contains("(data.label)", StringComparison.Ordinal) ? data.Optional("label")
                : e.Message.Contains(": not found", StringComparison.Ordinal) ? data.Optional("directory") ?? data.Optional("name")
                : null;
            throw (at ?? data).Fail(e.Message);
        }

        request.GraphName = graph.Name;
        request.DataDirectory = Path.GetDirectoryName(file)!;
        request.LabelProperty = graph.Label;
        request.NodeFeatures = features;
        request.Features = graph.FeatureWidth;
        request.DataSeed = graph.Seed;
    }

    private static void ReadFiles(SpecNode data, GcnTrainRequest request)
    {
        data.AllowOnly("source", "edges", "features", "labels", "undirected", "seed");
        request.EdgesPath = data.Require("edges").AsPath();
        request.FeaturesPath = data.Require("features").AsPath();
        request.LabelsPath = data.Require("labels").AsPath();
        request.Undirected = data.Optional("undirected")?.AsBool() ?? true;
        request.DataSeed = data.Optional("seed")?.AsInt() ?? 1;
    }
}
