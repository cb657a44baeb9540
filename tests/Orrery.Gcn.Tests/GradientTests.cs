using Orrery.Compute.Cpu;
using Orrery.Gcn.Graphs;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Tests;

public sealed class GradientTests
{
    /// <summary>
    /// Every parameter tensor's gradient against central differences of the loss, for both layer kinds, with dropout,
    /// LayerNorm, ReLU and a trailing linear layer in the model. Step h = 1e-3: truncation error O(h²·f''') is about
    /// 1e-6; the loss is summed in double from float32 logits whose relative rounding is ~1e-6, so the difference
    /// quotient carries ~1e-6·|L|/h ≈ 2e-3 absolute noise at worst. Tolerance |fd − g| ≤ 4e-3 + 3%·|g|; a missing
    /// term (a dropped bias, a wrong transpose, a LayerNorm term left out) is off by far more than that.
    /// </summary>
    [Theory]
    [InlineData(GcnLayerKind.Sage, false)]
    [InlineData(GcnLayerKind.Gcn, false)]
    [InlineData(GcnLayerKind.Sage, true)]
    public void GradientsMatchFiniteDifferences(GcnLayerKind kind, bool multiLabel)
    {
        var graph = TestGraphs.SmallCsbm(nodes: 40, seed: 5);
        if (multiLabel)
        {
            // Two independent labels per node: the class is even, the class is below 2.
            var targets = new float[graph.NodeCount * 2];
            for (var v = 0; v < graph.NodeCount; v++)
            {
                var c = graph.Targets.AsSpan(v * 4, 4).IndexOf(1f);
                targets[v * 2] = c % 2 == 0 ? 1 : 0;
                targets[v * 2 + 1] = c < 2 ? 1 : 0;
            }

            var edges = new List<(int, int)>();
            for (var v = 0; v < graph.NodeCount; v++)
            {
                foreach (var u in graph.InNeighboursOf(v))
                {
                    edges.Add((u, v));
                }
            }

            graph = new GcnGraph(graph.NodeCount, edges, graph.Features, graph.FeatureCount, targets, 2, true, graph.Split);
        }

        using var device = new CpuDevice();
        var config = new GcnModelConfig(graph.FeatureCount, Hidden: 6, Classes: graph.ClassCount, Layers: 3, LinearTail: 1, Kind: kind, Dropout: 0.3f, MultiLabel: multiLabel, Seed: 11);
        var plans = PartitionPlan.Build(graph, new int[graph.NodeCount], 1, kind);
        using var trainer = new InProcessTrainer(device, config, plans, new ExchangeSettings(), learningRate: 0.01f);
        trainer.Step(0, applyUpdate: false);
        var analytic = trainer.LastGradient.ToArray();
        var weights = trainer.Parameters.Flatten();
        const float H = 1e-3f;
        var offset = 0;
        var worst = 0.0;
        foreach (var (name, value) in trainer.Parameters.Entries)
        {
            // Up to 6 entries of each tensor, spread over it.
            var count = Math.Min(6, value.Length);
            for (var s = 0; s < count; s++)
            {
                var i = offset + (int)((long)s * value.Length / count);
                var perturbed = (float[])weights.Clone();
                perturbed[i] = weights[i] + H;
                trainer.Parameters.Load(perturbed);
                var plus = trainer.Step(0, applyUpdate: false).Loss;
                perturbed[i] = weights[i] - H;
                trainer.Parameters.Load(perturbed);
                var minus = trainer.Step(0, applyUpdate: false).Loss;
                var numeric = (plus - minus) / (2 * H);
                var error = Math.Abs(numeric - analytic[i]);
                worst = Math.Max(worst, error);
                Assert.True(error <= 4e-3 + 0.03 * Math.Abs(analytic[i]), $"{name}[{i - offset}]: analytic {analytic[i]:G6}, finite difference {numeric:G6}");
            }

            offset += value.Length;
        }

        trainer.Parameters.Load(weights);
        Assert.True(worst < 4e-3, $"largest error {worst:G3}");
    }

    /// <summary>
    /// One SAGE layer on the path 0 – 1 – 2 with scalar features against the formulas worked in double:
    /// agg_v = mean of x over v and its neighbours, z_v = W1 x_v + b1 + W2 agg_v + b2 (2 classes), loss the mean
    /// cross-entropy over the training nodes 0 and 2. Tolerance 1e-5: float32 rounding of a handful of operations.
    /// </summary>
    [Fact]
    public void OneSageLayerMatchesClosedForm()
    {
        double[] x = [1.0, -2.0, 0.5];
        int[] label = [0, 1, 1];
        var graph = new GcnGraph(3, [(0, 1), (1, 0), (1, 2), (2, 1)], [.. x.Select(v => (float)v)], 1, [1, 0, 0, 1, 0, 1], 2, false, [0, 1, 0]);
        using var device = new CpuDevice();
        var config = new GcnModelConfig(1, Hidden: 4, Classes: 2, Layers: 1, Seed: 2);
        var plans = PartitionPlan.Build(graph, new int[3], 1, GcnLayerKind.Sage);
        using var trainer = new InProcessTrainer(device, config, plans, new ExchangeSettings(), learningRate: 0.01f);
        var p = trainer.Parameters;
        p["layer0.self.weight"].Span[0] = 0.3f;
        p["layer0.self.weight"].Span[1] = -0.7f;
        p["layer0.neighbour.weight"].Span[0] = 0.9f;
        p["layer0.neighbour.weight"].Span[1] = 0.2f;
        p["layer0.self.bias"].Span[1] = 0.1f;
        p["layer0.neighbour.bias"].Span[0] = -0.05f;
        double[] w1 = [0.3, -0.7], w2 = [0.9, 0.2], b = [-0.05, 0.1];

        double[] agg = [(x[0] + x[1]) / 2, (x[0] + x[1] + x[2]) / 3, (x[1] + x[2]) / 2];
        double loss = 0;
        var dW1 = new double[2];
        var dW2 = new double[2];
        var dB = new double[2];
        foreach (var v in new[] { 0, 2 })
        {
            var z = new double[2];
            for (var c = 0; c < 2; c++)
            {
                z[c] = w1[c] * x[v] + w2[c] * agg[v] + b[c];
            }

            var logSum = Math.Log(Math.Exp(z[0]) + Math.Exp(z[1]));
            loss += (logSum - z[label[v]]) / 2;
            for (var c = 0; c < 2; c++)
            {
                var dz = (Math.Exp(z[c] - logSum) - (c == label[v] ? 1 : 0)) / 2;
                dW1[c] += dz * x[v];
                dW2[c] += dz * agg[v];
                dB[c] += dz;
            }
        }

        var scores = trainer.Step(0, applyUpdate: false);
        Assert.Equal(loss, scores.Loss, 1e-5);
        var g = trainer.LastGradient.ToArray();
        // Order: self.weight (2), self.bias (2), neighbour.weight (2), neighbour.bias (2).
        for (var c = 0; c < 2; c++)
        {
            Assert.Equal(dW1[c], g[c], 1e-5);
            Assert.Equal(dB[c], g[2 + c], 1e-5);
            Assert.Equal(dW2[c], g[4 + c], 1e-5);
            Assert.Equal(dB[c], g[6 + c], 1e-5);
        }
    }
}
