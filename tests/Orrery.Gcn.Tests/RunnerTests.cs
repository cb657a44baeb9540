using Orrery.Experiments;
using Orrery.Gcn.Data;
using Orrery.Gcn.Experiments;

namespace Orrery.Gcn.Tests;

public sealed class RunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("orrery-gcn-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// A small CSBM spec through the <c>kind: gcn</c> runner: every output file is written, metrics.csv has one row
    /// per epoch, the weights load back from .npy, and the trained model beats the features-only Bayes accuracy of
    /// the generator (the graph carries class signal a feature-only classifier cannot use).
    /// </summary>
    [Fact]
    public async Task RunsCsbmSpecAndWritesOutputs()
    {
        const string Spec = """
            kind: gcn
            name: small
            data: { source: csbm, nodes: 600, classes: 3, features: 6, p_in: 0.04, p_out: 0.003, separation: 0.8, seed: 2 }
            model: { layers: 2, hidden: 16, dropout: 0.2 }
            partitioning: { method: random, parts: 3 }
            exchange: { mode: pipelined }
            training: { epochs: 40, learning_rate: 0.02 }
            """;
        var root = ExperimentSpec.Parse(Spec, Path.Combine(_dir, "gcn.yaml"));
        var outDir = Path.Combine(_dir, "out");
        ExperimentOutcome outcome;
        await using var cluster = await Orrery.Cluster.Silos.OrleansEmbeddedCluster.StartAsync(new int[2]);
        var said = new List<string>();
        using (var output = new ExperimentOutput(outDir))
        {
            var context = new ExperimentContext
            {
                Cluster = cluster.Client,
                Silos = _ => Task.FromResult<IReadOnlyList<Orrery.Contracts.Cluster.ClusterSiloInfo>>([]),
                Output = output,
                Say = said.Add,
            };
            outcome = await new GcnExperimentRunner().RunAsync(context, root, CancellationToken.None);
            output.Commit();
        }

        Assert.True(outcome.Passed);
        Assert.Contains(said, line => line.Contains("600 nodes", StringComparison.Ordinal) && line.Contains(cluster.SiloNames[0], StringComparison.Ordinal) && line.Contains(cluster.SiloNames[1], StringComparison.Ordinal));
        foreach (var file in new[] { "metrics.csv", "partition.csv", "loss.svg", "accuracy.svg", "summary.json", "weights/layer0.self.weight.npy" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), $"{file} is missing");
        }

        var rows = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal(41, rows.Length);
        var (weights, shape) = NpyFile.Read(Path.Combine(outDir, "weights", "layer0.self.weight.npy"));
        Assert.Equal([6, 16], shape);
        Assert.Equal(96, weights.Length);
        var testAccuracy = double.Parse(rows[^1].Split(',')[4], System.Globalization.CultureInfo.InvariantCulture);
        var ceiling = new CsbmGenerator(600, 3, 6, 0.04, 0.003, 0.8, 2).FeatureOnlyAccuracy;
        Assert.True(testAccuracy > ceiling + 0.05, $"test accuracy {testAccuracy:P1}, features alone {ceiling:P1}");
    }

    [Fact]
    public void PrecomputeReachesTheRequestAndTheModel()
    {
        const string Text = "kind: gcn\ndata: { source: csbm, nodes: 100, p_in: 0.1, p_out: 0.01 }\nmodel: { precompute: true }\n";
        var spec = GcnSpec.Parse(ExperimentSpec.Parse(Text, Path.Combine(_dir, "pre.yaml")));
        Assert.True(spec.Request.PrecomputeFirstLayer);
        Assert.True(spec.ModelFor(spec.LoadGraph()).PrecomputeFirstLayer);
        Assert.False(GcnSpec.Parse(ExperimentSpec.Parse(Text.Replace("model: { precompute: true }\n", "", StringComparison.Ordinal), Path.Combine(_dir, "pre.yaml"))).Request.PrecomputeFirstLayer);
    }

    [Theory]
    [InlineData("exchange: { mode: async }", "mode")]
    [InlineData("model: { layers: 2, linear_layers: 2 }", "linear_layers")]
    [InlineData("training: { epoch: 3 }", "epoch")]
    [InlineData("model: { precompute: sometimes }", "precompute")]
    public void BadSpecNamesTheField(string line, string field)
    {
        var text = $"kind: gcn\ndata: {{ source: csbm, nodes: 100, p_in: 0.1, p_out: 0.01 }}\n{line}\n";
        var error = Assert.Throws<ExperimentSpecException>(() => GcnSpec.Parse(ExperimentSpec.Parse(text, Path.Combine(_dir, "bad.yaml"))));
        Assert.Contains(field, error.Message);
        Assert.Contains("bad.yaml", error.Message);
    }
}
