using System.Diagnostics;
using System.Text.Json;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Data;
using Orrery.Gcn.Graphs;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;
using Xunit.Abstractions;

namespace Orrery.Gcn.Tests;

public sealed class TorchReferenceTests(ITestOutputHelper output)
{
    /// <summary>
    /// The same model, graph and initial weights trained by PyTorch (float64, Reference/gcn_reference.py, its own
    /// dense adjacency) and by Orrery on 2 parts (float32), dropout off, 4 Adam steps: losses within 1e-5 relative,
    /// first-iteration gradients within 1e-4 of the largest gradient, weights after 4 steps within 1e-4. Orrery
    /// rounds to float32 (relative 6e-8 per operation, a few hundred accumulated terms: ~1e-5 relative on a sum);
    /// Adam's first steps move each weight by about lr = 0.01 times m̂/√v̂, a ratio of two gradients' float errors,
    /// so 1e-4 on weights is 1% of a step. A wrong normalisation (in- vs out-degree, missing self-loop), a wrong
    /// LayerNorm or loss divisor, or Adam's weight decay applied AdamW-style all exceed these bounds.
    /// When python3 with torch is missing (scripts/test.sh installs python3-torch), the test is reported as skipped.
    /// </summary>
    [SkippableTheory]
    [InlineData(GcnLayerKind.Sage, false)]
    [InlineData(GcnLayerKind.Gcn, false)]
    [InlineData(GcnLayerKind.Sage, true)]
    public void MatchesPyTorch(GcnLayerKind kind, bool multiLabel)
    {
        Skip.IfNot(TorchAvailable(out var reason), reason);

        var graph = TestGraphs.SmallCsbm(nodes: 120, seed: 9);
        if (multiLabel)
        {
            var targets = new float[graph.NodeCount * 4];
            for (var v = 0; v < graph.NodeCount; v++)
            {
                var c = graph.Targets.AsSpan(v * 4, 4).IndexOf(1f);
                targets[v * 4 + c] = 1;
                targets[v * 4 + ((c + 1) % 4)] = v % 3 == 0 ? 1 : 0;
            }

            graph = new GcnGraph(graph.NodeCount, Edges(graph), graph.Features, graph.FeatureCount, targets, 4, true, graph.Split);
        }

        const int Steps = 4;
        const float LearningRate = 0.01f, WeightDecay = 5e-4f;
        var config = new GcnModelConfig(graph.FeatureCount, Hidden: 16, Classes: graph.ClassCount, Layers: 3, LinearTail: 1, Kind: kind, MultiLabel: multiLabel, Seed: 5);
        using var device = new CpuDevice();
        var plans = PartitionPlan.Build(graph, RandomPartitioner.Partition(graph.NodeCount, 2, 3), 2, kind);
        using var trainer = new InProcessTrainer(device, config, plans, new ExchangeSettings(), LearningRate, WeightDecay);

        var dir = Directory.CreateTempSubdirectory("orrery-gcn-torch-").FullName;
        try
        {
            var edges = Edges(graph);
            NpyFile.Write(Path.Combine(dir, "edges.npy"), edges.SelectMany(e => new[] { e.Item1, e.Item2 }).ToArray(), edges.Count, 2);
            NpyFile.Write(Path.Combine(dir, "features.npy"), graph.Features, graph.NodeCount, graph.FeatureCount);
            NpyFile.Write(Path.Combine(dir, "targets.npy"), graph.Targets, graph.NodeCount, graph.ClassCount);
            NpyFile.Write(Path.Combine(dir, "split.npy"), graph.Split.Select(s => (int)s).ToArray(), graph.NodeCount);
            var entries = trainer.Parameters.Entries;
            for (var i = 0; i < entries.Count; i++)
            {
                NpyFile.Write(Path.Combine(dir, $"w_{i}.npy"), entries[i].Value.Span, entries[i].Value.Rows, entries[i].Value.Columns);
            }

            File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(new
            {
                names = entries.Select(e => e.Name).ToArray(),
                kind = kind.ToString(),
                layers = config.Layers,
                linearTail = config.LinearTail,
                multiLabel,
                lr = LearningRate,
                weightDecay = WeightDecay,
                steps = Steps,
            }));
            var script = Path.Combine(AppContext.BaseDirectory, "Reference", "gcn_reference.py");
            var (code, text) = RunPython(script, dir);
            output.WriteLine(text);
            Assert.True(code == 0, $"the reference script failed:\n{text}");

            var losses = NpyFile.Read(Path.Combine(dir, "losses.npy")).Values;
            for (var t = 0; t < Steps; t++)
            {
                var loss = trainer.Step(t).Loss;
                Assert.True(Math.Abs(loss - losses[t]) <= 1e-5 * Math.Abs(losses[t]), $"iteration {t}: Orrery loss {loss:G9}, PyTorch {losses[t]:G9}");
                if (t == 0)
                {
                    var gradient = trainer.LastGradient.ToArray();
                    var reference = Enumerable.Range(0, entries.Count).SelectMany(i => NpyFile.Read(Path.Combine(dir, $"g_{i}.npy")).Values).ToArray();
                    var scale = reference.Max(Math.Abs);
                    var worst = Enumerable.Range(0, gradient.Length).Max(i => Math.Abs(gradient[i] - reference[i]));
                    output.WriteLine($"largest gradient difference {worst:G3} (scale {scale:G3})");
                    Assert.True(worst <= 1e-4 * scale, $"largest gradient difference {worst:G3}, largest gradient {scale:G3}");
                }
            }

            var final = Enumerable.Range(0, entries.Count).SelectMany(i => NpyFile.Read(Path.Combine(dir, $"final_{i}.npy")).Values).ToArray();
            var weights = trainer.Parameters.Flatten();
            var largest = Enumerable.Range(0, weights.Length).Max(i => Math.Abs(weights[i] - final[i]));
            output.WriteLine($"largest weight difference after {Steps} steps {largest:G3}");
            Assert.True(largest <= 1e-4, $"largest weight difference after {Steps} steps {largest:G3}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<(int, int)> Edges(GcnGraph graph)
    {
        var edges = new List<(int, int)>();
        for (var v = 0; v < graph.NodeCount; v++)
        {
            foreach (var u in graph.InNeighboursOf(v))
            {
                edges.Add((u, v));
            }
        }

        return edges;
    }

    private static bool TorchAvailable(out string reason)
    {
        try
        {
            var (code, text) = RunPython("-c", "import torch, numpy; print(torch.__version__)");
            reason = code == 0 ? "" : $"python3 cannot import torch and numpy (install python3-torch python3-numpy): {text.Trim()}";
            return code == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            reason = $"python3 is not installed ({e.Message})";
            return false;
        }
    }

    private static (int Code, string Output) RunPython(params string[] arguments)
    {
        // Debian's interpreter first: python3-torch installs into it, and a pyenv python3 earlier on PATH would not see it.
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "python3 ran past its 2-minute deadline");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
