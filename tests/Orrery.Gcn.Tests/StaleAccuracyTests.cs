using Orrery.Compute.Cpu;
using Orrery.Gcn.Data;
using Orrery.Gcn.Graphs;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;
using Xunit.Abstractions;

namespace Orrery.Gcn.Tests;

/// <summary>
/// Pipelined and smoothed training reach vanilla's test accuracy: averaged over three seeds (weights, dropout and
/// the graph's partition), each run's accuracy taken as the mean over its last 20 epochs (one epoch's accuracy jumps
/// by more than the margin on a few hundred test nodes), the stale modes are no more than 0.5 points below vanilla.
/// Being above is allowed: the issue asks that staleness cost no accuracy, and a stale gradient can land a run a
/// little higher. Staleness slows convergence early (PipeGCN's own observation; on a random 4-way split of the
/// Fashion-MNIST graph pipelined trails vanilla by 7 points at epoch 80 and matches it at 300), so the runs are long
/// enough to converge and the graphs are split by METIS as `orrery run` does by default.
/// </summary>
public sealed class StaleAccuracyTests(ITestOutputHelper output)
{
    private const double Margin = 0.005;
    private const int TailEpochs = 20;

    /// <summary>
    /// A CSBM of 12,000 nodes (2,400 test nodes: one is 0.04 points), 4 classes, features 8 wide at separation 0.6
    /// (features alone: about 43%), about 3 in-class and 1 cross-class neighbours, so that the graph lifts accuracy
    /// well above the features but far from 100% and the comparison has room to fail.
    /// </summary>
    [Fact]
    public void PipelinedAndSmoothedReachVanillaAccuracyOnACsbm()
    {
        var csbm = new CsbmGenerator(12_000, Classes: 4, Features: 8, IntraProbability: 3.0 / 3000, InterProbability: 1.0 / 12_000, Separation: 0.6, Seed: 5);
        var accuracy = Compare(csbm.Generate(), epochs: 150, hidden: 32);
        Assert.True(accuracy[ExchangeMode.Vanilla] > csbm.FeatureOnlyAccuracy + 0.1, $"vanilla {accuracy[ExchangeMode.Vanilla]:P2}, features alone {csbm.FeatureOnlyAccuracy:P2}");
        AssertReached(accuracy);
    }

    /// <summary>
    /// The k-nearest-neighbour graph over 3,500 Fashion-MNIST images (k = 10; 500 test images: one is 0.2 points),
    /// 300 epochs: about 2 minutes on 2 cores, in the default suite (2026-12-07, with layer 0's halo rows formed
    /// locally: vanilla 84.26 %, pipelined 84.03 %, smoothed 84.39 %; the runs are deterministic, so these are the bits
    /// CI sees until the model's arithmetic changes).
    /// </summary>
    [Fact]
    public void PipelinedAndSmoothedReachVanillaAccuracyOnFashionMnist()
    {
        var accuracy = Compare(new FashionMnistKnn(Images: 3500, Neighbours: 10).Generate(), epochs: 300, hidden: 32);
        Assert.True(accuracy[ExchangeMode.Vanilla] > 0.8, $"vanilla {accuracy[ExchangeMode.Vanilla]:P2}");
        AssertReached(accuracy);
    }

    private static void AssertReached(Dictionary<ExchangeMode, double> accuracy)
    {
        foreach (var mode in new[] { ExchangeMode.Pipelined, ExchangeMode.Smoothed })
        {
            Assert.True(
                accuracy[mode] >= accuracy[ExchangeMode.Vanilla] - Margin,
                $"{mode} {accuracy[mode]:P2} against vanilla {accuracy[ExchangeMode.Vanilla]:P2}: more than {Margin:P1} below");
        }
    }

    /// <summary>Mean over seeds 1..3 of each mode's test accuracy averaged over the last 20 epochs; 4 METIS parts, 3 layers, dropout 0.2.</summary>
    private Dictionary<ExchangeMode, double> Compare(GcnGraph graph, int epochs, int hidden)
    {
        using var device = new CpuDevice();
        var accuracy = Enum.GetValues<ExchangeMode>().ToDictionary(m => m, _ => 0.0);
        for (var seed = 1; seed <= 3; seed++)
        {
            var plans = PartitionPlan.Build(graph, MetisPartitioner.Partition(graph, 4, seed), 4, GcnLayerKind.Sage);
            var model = new GcnModelConfig(graph.FeatureCount, hidden, graph.ClassCount, Layers: 3, LinearTail: 1, Kind: GcnLayerKind.Sage, Dropout: 0.2f, Seed: (ulong)seed);
            foreach (var mode in accuracy.Keys.ToArray())
            {
                using var trainer = new InProcessTrainer(device, model, plans, new ExchangeSettings(mode), 0.01f, 5e-4f);
                var tail = TailAccuracy(trainer, epochs);
                output.WriteLine($"seed {seed} {mode}: {tail:P2}");
                accuracy[mode] += tail / 3;
            }
        }

        output.WriteLine(string.Join(", ", accuracy.Select(p => $"{p.Key} {p.Value:P2}")));
        return accuracy;
    }

    /// <summary>
    /// <paramref name="epochs"/> training steps, and the test accuracy averaged over the last <see cref="TailEpochs"/>,
    /// each evaluated after its step as <see cref="InProcessTrainer.Train"/> does. The earlier epochs skip the evaluation
    /// pass: it reads the weights and touches nothing a step uses (its halos are its own, the masks are keyed by
    /// iteration), so the steps are the same bits either way, and a third of the time is saved.
    /// </summary>
    private static double TailAccuracy(InProcessTrainer trainer, int epochs)
    {
        var sum = 0.0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            trainer.Step(epoch);
            if (epoch >= epochs - TailEpochs)
            {
                sum += trainer.Evaluate().Accuracy(2);
            }
        }

        return sum / TailEpochs;
    }
}
