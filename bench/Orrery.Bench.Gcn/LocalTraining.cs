using System.Globalization;
using System.Text.Json;
using Orrery.Compute;
using Orrery.Gcn.Data;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;

namespace Orrery.Bench.Gcn;

/// <summary>
/// <c>train</c>: Orrery's GCN model trained in this process on the whole graph as one part (what one silo computes in
/// a one-part run: no exchange), on <c>--device cpu</c> or <c>cuda</c>/<c>cuda:N</c>, for the GPU benchmark
/// (bench/run-gcn-gpu.sh), which runs no silos on a GPU machine without .NET. Reads the <c>graph</c> command's files
/// with Orrery's own loader and its split seed, so the PyTorch and PyG peers train on the same graph and split.
/// Prints a <c>RESULT</c> line like the peers' and writes <c>--out</c> JSON. A device that cannot be had or cannot
/// hold the model ends with exit code 4 and the reason on the RESULT line.
/// </summary>
internal static class LocalTraining
{
    public static int Run(BenchArguments arguments)
    {
        var folder = arguments.Required("graph");
        var deviceName = arguments.Text("device", "cpu");
        var epochs = arguments.Int("epochs", 12);
        var warmup = arguments.Int("warmup", 2);
        var graph = GraphFiles.Load(
            Path.Combine(folder, "edges.csv"), Path.Combine(folder, "features.npy"), Path.Combine(folder, "labels.npy"), undirected: true, seed: arguments.Int("split-seed", 1));
        var precompute = arguments.Text("precompute", "false") == "true";
        var config = new GcnModelConfig(
            graph.FeatureCount, arguments.Int("hidden", 128), graph.ClassCount, arguments.Int("layers", 3), arguments.Int("linear-layers", 1),
            GcnLayerKind.Sage, (float)arguments.Double("dropout", 0.5), graph.MultiLabel, (ulong)arguments.Int("seed", 1), precompute);
        var plans = PartitionPlan.Build(graph, new int[graph.NodeCount], 1, config.Kind, haloFeatures: config.NeedsHaloFeatures);
        var impl = deviceName == "cpu" ? "orrery-cpu" : "orrery-cuda";

        DeviceDiscovery discovery;
        try
        {
            discovery = ComputeDevices.Discover(deviceName == "cuda" ? "cuda:0" : deviceName);
        }
        catch (ComputeException e)
        {
            Console.WriteLine($"RESULT impl={impl} device={deviceName} unavailable: {e.Message}");
            return 3;
        }

        using var devices = discovery;
        IComputeDevice device = deviceName == "cpu" ? discovery.Cpu : discovery.Gpus[0];
        InProcessTrainer trainer;
        try
        {
            trainer = new InProcessTrainer(device, config, plans, new ExchangeSettings(), (float)arguments.Double("lr", 0.003), (float)arguments.Double("weight-decay", 0.0005));
        }
        catch (ComputeException e)
        {
            // Out of device memory, a kernel module that does not compile: the row says why.
            Console.WriteLine($"RESULT impl={impl} device={device.Name} unavailable: {e.Message}");
            return 4;
        }

        using (trainer)
        {
            var metrics = trainer.Train(epochs, m => Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture, $"epoch {m.Epoch}: loss {m.Loss:F4}, test {m.TestAccuracy:F4}, {m.Seconds:F3} s")));
            var timed = metrics.Count > warmup ? metrics.Skip(warmup).ToList() : [.. metrics];
            var seconds = timed.Select(m => m.Seconds).Order().ToList();
            var median = seconds.Count % 2 == 1 ? seconds[seconds.Count / 2] : (seconds[(seconds.Count / 2) - 1] + seconds[seconds.Count / 2]) / 2;
            var last = metrics[^1];
            var summary = new Dictionary<string, object>
            {
                ["impl"] = impl,
                ["device"] = device.Model,
                ["nodes"] = graph.NodeCount,
                ["features"] = graph.FeatureCount,
                ["classes"] = graph.ClassCount,
                ["precompute"] = precompute,
                ["epochs"] = epochs,
                ["warmup"] = warmup,
                ["median_epoch_seconds"] = median,
                ["final_loss"] = last.Loss,
                ["train_accuracy"] = last.TrainAccuracy,
                ["validation_accuracy"] = last.ValidationAccuracy,
                ["test_accuracy"] = last.TestAccuracy,
            };
            if (arguments.Text("out", "") is { Length: > 0 } output)
            {
                File.WriteAllText(output, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT impl={impl} device={device.Name} nodes={graph.NodeCount} epochs={epochs} epoch_seconds={median:F4} loss={last.Loss:F4} test_accuracy={last.TestAccuracy:F4}"));
            return 0;
        }
    }
}
