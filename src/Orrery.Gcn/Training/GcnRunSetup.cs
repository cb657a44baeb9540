using System.Text.Json;
using Orrery.Contracts.Gcn;
using Orrery.Gcn.Data;
using Orrery.Gcn.Graphs;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;

namespace Orrery.Gcn.Training;

/// <summary>
/// What a <see cref="GcnTrainRequest"/> describes, built: the graph (generated or loaded), the model's shape, the
/// partition plans and the exchange settings. The build is deterministic (seeded generator and partitioners), so the
/// coordinator and every partition grain, each on its own silo, arrive at the same plans. A silo keeps the last run's
/// build (<see cref="Shared"/>) so that several parts on one silo build it once.
/// </summary>
public sealed class GcnRunSetup
{
    private static readonly Lock Gate = new();
    private static (string Key, Lazy<GcnRunSetup> Setup)? _last;

    private GcnRunSetup(GcnGraph graph, GcnModelConfig model, PartitionPlan[] plans, ExchangeSettings exchange)
    {
        (Graph, Model, Plans, Exchange) = (graph, model, plans, exchange);
    }

    /// <summary>The whole graph.</summary>
    public GcnGraph Graph { get; }

    /// <summary>The model with its data-dependent widths.</summary>
    public GcnModelConfig Model { get; }

    /// <summary>One plan per part, without the halo's features (sizes, halos, adjacency: what the coordinator reports).</summary>
    public PartitionPlan[] Plans { get; }

    /// <summary>The plan part <paramref name="part"/> trains on: with its halo's features when the model needs them.</summary>
    public PartitionPlan PlanFor(int part) => Model.NeedsHaloFeatures ? Plans[part].WithHaloFeatures(Graph) : Plans[part];

    /// <summary>Every part's <see cref="PlanFor"/>, for training all parts in one process.</summary>
    public PartitionPlan[] TrainingPlans() => [.. Enumerable.Range(0, Plans.Length).Select(PlanFor)];

    /// <summary>How boundary blocks are exchanged.</summary>
    public ExchangeSettings Exchange { get; }

    /// <summary>Builds the run (graph file errors name the file and line).</summary>
    public static GcnRunSetup Build(GcnTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var graph = LoadGraph(request);
        var model = new GcnModelConfig(graph.FeatureCount, request.Hidden, graph.ClassCount, request.Layers, request.LinearLayers,
            request.Kind == "gcn" ? GcnLayerKind.Gcn : GcnLayerKind.Sage, request.Dropout, graph.MultiLabel, (ulong)request.Seed,
            request.PrecomputeFirstLayer, request.ExchangeInputRows);
        model.Validate();
        var assignment = request.Partitioning == "metis"
            ? MetisPartitioner.Partition(graph, request.Parts, request.Seed)
            : RandomPartitioner.Partition(graph.NodeCount, request.Parts, request.Seed);
        // Without the halo's features: each silo keeps every part's plan, and a part that needs its own halo's features
        // (PlanFor) gathers them, so no silo holds all parts' halos.
        var plans = PartitionPlan.Build(graph, assignment, request.Parts, model.Kind, haloFeatures: false);
        var exchange = new ExchangeSettings(
            Enum.Parse<ExchangeMode>(request.Mode, ignoreCase: true), Enum.Parse<SmoothingTarget>(request.Smooth, ignoreCase: true), request.Gamma);
        exchange.Validate();
        return new GcnRunSetup(graph, model, plans, exchange);
    }

    /// <summary>The graph <paramref name="request"/> names: generated (CSBM), built (Fashion-MNIST), read from graph-tool's collection or from its three files.</summary>
    public static GcnGraph LoadGraph(GcnTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Source switch
        {
            "csbm" => new CsbmGenerator(request.Nodes, request.Classes, request.Features, request.PIn, request.POut, request.Separation, request.DataSeed).Generate(),
            "fashion-mnist" => FashionMnist(request).Generate(),
            "graph-tool" => GraphTool(request).Load(),
            _ => GraphFiles.Load(request.EdgesPath, request.FeaturesPath, request.LabelsPath, request.Undirected, request.DataSeed),
        };
    }

    /// <summary>The Fashion-MNIST k-nearest-neighbour graph <paramref name="request"/> names.</summary>
    public static FashionMnistKnn FashionMnist(GcnTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new FashionMnistKnn(request.Nodes, request.Neighbours, request.DataDirectory.Length > 0 ? request.DataDirectory : FashionMnistKnn.DefaultDirectory);
    }

    /// <summary>The graph of graph-tool's collection <paramref name="request"/> names.</summary>
    public static GraphToolCollection GraphTool(GcnTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new GraphToolCollection(
            request.GraphName,
            request.DataDirectory,
            request.LabelProperty.Length > 0 ? request.LabelProperty : GraphToolCollection.DefaultLabel,
            request.NodeFeatures == "random" ? GraphToolFeatures.Random : GraphToolFeatures.Identity,
            request.Features,
            request.DataSeed);
    }

    /// <summary>This process's build of <paramref name="request"/>: built once while it is the last run asked for (a failed build is not kept).</summary>
    public static GcnRunSetup Shared(GcnTrainRequest request)
    {
        var key = SharedKey(request);
        Lazy<GcnRunSetup> setup;
        lock (Gate)
        {
            if (_last is not { } last || last.Key != key)
            {
                _last = (key, new Lazy<GcnRunSetup>(() => Build(request), LazyThreadSafetyMode.ExecutionAndPublication));
            }

            setup = _last.Value.Setup;
        }

        try
        {
            return setup.Value;
        }
        catch
        {
            lock (Gate)
            {
                if (_last is { } failed && failed.Setup == setup)
                {
                    _last = null;
                }
            }

            throw;
        }
    }

    /// <summary>Drops this process's build of <paramref name="request"/> when it is the one kept (the run has ended).</summary>
    public static void Forget(GcnTrainRequest request)
    {
        var key = SharedKey(request);
        lock (Gate)
        {
            if (_last is { } last && last.Key == key)
            {
                _last = null;
            }
        }
    }

    // A graph file rewritten at the same path is read again: its length and write time are part of the key.
    private static string SharedKey(GcnTrainRequest request) =>
        JsonSerializer.Serialize(request) + string.Concat(
            new[] { request.EdgesPath, request.FeaturesPath, request.LabelsPath, request.DataDirectory, Path.Combine(request.DataDirectory, request.GraphName + ".gt.gz") }
                .Where(File.Exists).Select(f => $" {new FileInfo(f).Length}:{File.GetLastWriteTimeUtc(f).Ticks}"));
}
