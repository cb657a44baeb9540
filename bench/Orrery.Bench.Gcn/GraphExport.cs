using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Orrery.Gcn.Data;

namespace Orrery.Bench.Gcn;

/// <summary>
/// <c>graph</c>: Orrery's contextual stochastic block model (<see cref="CsbmGenerator"/>) written as the three files of a
/// <c>data.source: files</c> spec, so that Orrery and the PyTorch peer train on the same bytes: <c>edges.csv</c> (each
/// undirected edge once, <c>u,v</c> with u &lt; v; Orrery's default <c>undirected: true</c> adds the other direction),
/// <c>features.npy</c> (nodes, features) float32 and <c>labels.npy</c> (nodes) int32. The files are then read back with
/// Orrery's own loader (<see cref="GraphFiles.Load"/>), which must give the generated graph again, and the split that
/// loader draws for them (seeded, 60/20/20) is written as <c>split.npy</c> (int32: 0 train, 1 validation, 2 test) for the
/// peer. <c>graph.json</c> records the parameters, the sizes and the accuracy ceilings of the model.
/// </summary>
internal static class GraphExport
{
    public static int Run(BenchArguments arguments)
    {
        var nodes = arguments.Int("nodes", 100_000);
        var classes = arguments.Int("classes", 4);
        var features = arguments.Int("features", 64);
        // Expected neighbours of a node in its own class and in the other classes: p_in and p_out follow from them.
        var degree = arguments.Double("degree", 8);
        var crossDegree = arguments.Double("cross-degree", 2);
        var separation = arguments.Double("separation", 0.5);
        var seed = arguments.Int("seed", 1);
        var splitSeed = arguments.Int("split-seed", 1);
        var output = arguments.Required("out");
        Directory.CreateDirectory(output);

        var perClass = nodes / (double)classes;
        var csbm = new CsbmGenerator(nodes, classes, features, degree / (perClass - 1), crossDegree / (nodes - perClass), separation, seed);
        var clock = Stopwatch.StartNew();
        var graph = csbm.Generate();
        var generateSeconds = clock.Elapsed.TotalSeconds;

        var edgesPath = Path.Combine(output, "edges.csv");
        var featuresPath = Path.Combine(output, "features.npy");
        var labelsPath = Path.Combine(output, "labels.npy");
        using (var writer = new StreamWriter(edgesPath, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("source,target\n");
            for (var v = 0; v < nodes; v++)
            {
                foreach (var u in graph.InNeighboursOf(v))
                {
                    if (u < v)
                    {
                        writer.Write(string.Create(CultureInfo.InvariantCulture, $"{u},{v}\n"));
                    }
                }
            }
        }

        NpyFile.Write(featuresPath, graph.Features, nodes, features);
        var labels = new int[nodes];
        for (var v = 0; v < nodes; v++)
        {
            labels[v] = graph.Targets.AsSpan(v * classes, classes).IndexOf(1f);
        }

        NpyFile.Write(labelsPath, labels, nodes);

        // What an Orrery run with `data.seed: splitSeed` will train on: the same graph, and the split it draws.
        var loaded = GraphFiles.Load(edgesPath, featuresPath, labelsPath, undirected: true, seed: splitSeed);
        if (loaded.NodeCount != graph.NodeCount || !loaded.InRowStart.AsSpan().SequenceEqual(graph.InRowStart)
            || !loaded.InNeighbours.AsSpan().SequenceEqual(graph.InNeighbours) || !loaded.Features.AsSpan().SequenceEqual(graph.Features)
            || !loaded.Targets.AsSpan().SequenceEqual(graph.Targets))
        {
            throw new InvalidOperationException($"{output}: the files read back with GraphFiles.Load are not the generated graph");
        }

        NpyFile.Write(Path.Combine(output, "split.npy"), loaded.Split.Select(s => (int)s).ToArray(), nodes);
        var counts = Enumerable.Range(0, 3).Select(s => loaded.Split.Count(x => x == s)).ToArray();
        File.WriteAllText(Path.Combine(output, "graph.json"), JsonSerializer.Serialize(new
        {
            generator = "csbm",
            nodes,
            classes,
            features,
            directed_edges = graph.EdgeCount,
            mean_degree = graph.EdgeCount / (double)nodes,
            p_in = csbm.IntraProbability,
            p_out = csbm.InterProbability,
            separation,
            seed,
            split_seed = splitSeed,
            train = counts[0],
            validation = counts[1],
            test = counts[2],
            feature_only_accuracy = csbm.FeatureOnlyAccuracy,
            neighbourhood_ceiling = csbm.NeighbourhoodCeiling,
            generate_seconds = generateSeconds,
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"graph: csbm {nodes} nodes, {graph.EdgeCount} directed edges (mean in-degree {graph.EdgeCount / (double)nodes:F1}), {features} features, {classes} classes, " +
            $"p_in {csbm.IntraProbability:G3}, p_out {csbm.InterProbability:G3}, separation {separation}; split {counts[0]}/{counts[1]}/{counts[2]}; " +
            $"feature-only accuracy {csbm.FeatureOnlyAccuracy:F3}, one-hop ceiling about {csbm.NeighbourhoodCeiling:F3}; {clock.Elapsed.TotalSeconds:F1} s -> {output}"));
        return 0;
    }
}
