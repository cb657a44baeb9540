using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.Gcn.Data;
using Orrery.Gcn.Experiments;
using Orrery.Gcn.Training;
using Orrery.Testing;

namespace Orrery.Gcn.Tests;

public sealed class RunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("orrery-gcn-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// A small CSBM spec through the <c>kind: gcn</c> runner: every output file is written, metrics.csv has one row
    /// per epoch, the weights load back from .npy, and the trained model beats the features-only Bayes accuracy of
    /// the generator (the graph carries class signal a feature-only classifier cannot use). Evaluated every 4th epoch
    /// (<c>training.evaluate_every</c>): the other rows leave their accuracy cells empty and report no evaluation time.
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
            training: { epochs: 40, learning_rate: 0.02, evaluate_every: 4 }
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
                Progress = new InlineProgress(p => said.Add(p.Detail)),
            };
            outcome = await new GcnExperimentRunner().RunAsync(context, root, CancellationToken.None);
            output.Commit();
        }

        Assert.True(outcome.Passed);
        await Eventually.TrueAsync(async () => await GrainTrainingTests.ActivationsAsync(cluster) == (0, 0), TimeSpan.FromSeconds(30), "the finished run's grains to be released");
        Assert.Contains(said, line => line.Contains("600 nodes", StringComparison.Ordinal) && line.Contains($"{cluster.SiloNames[0]}/cpu", StringComparison.Ordinal) && line.Contains($"{cluster.SiloNames[1]}/cpu", StringComparison.Ordinal));
        foreach (var file in new[] { "metrics.csv", "partition.csv", "loss.svg", "accuracy.svg", "summary.json", "weights/layer0.self.weight.npy" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), $"{file} is missing");
        }

        using (var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json"))))
        {
            Assert.Equal(["cpu", "cpu", "cpu"], summary.RootElement.GetProperty("part_devices").EnumerateArray().Select(d => d.GetString()));
        }

        var rows = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal(41, rows.Length);
        Assert.Equal("epoch,loss,train_accuracy,validation_accuracy,test_accuracy,seconds,exchange_seconds,evaluation_seconds", rows[0]);
        for (var e = 0; e < 40; e++)
        {
            var cells = rows[e + 1].Split(',');
            var evaluated = (e + 1) % 4 == 0;
            Assert.Equal(8, cells.Length);
            Assert.Equal(evaluated, cells[2..5].All(c => c.Length > 0));
            Assert.Equal(!evaluated, cells[2..5].All(c => c.Length == 0));
            Assert.Equal(evaluated, double.Parse(cells[7], System.Globalization.CultureInfo.InvariantCulture) > 0);
        }

        Assert.Contains(said, line => line.Contains("epoch 1/40", StringComparison.Ordinal) && line.Contains("not evaluated", StringComparison.Ordinal));
        var (weights, shape) = NpyFile.Read(Path.Combine(outDir, "weights", "layer0.self.weight.npy"));
        Assert.Equal([6, 16], shape);
        Assert.Equal(96, weights.Length);
        var testAccuracy = double.Parse(rows[^1].Split(',')[4], System.Globalization.CultureInfo.InvariantCulture);
        var ceiling = new CsbmGenerator(600, 3, 6, 0.04, 0.003, 0.8, 2).FeatureOnlyAccuracy;
        Assert.True(testAccuracy > ceiling + 0.05, $"test accuracy {testAccuracy:P1}, features alone {ceiling:P1}");
    }

    /// <summary>
    /// Interrupting a run (its cancellation token, which Ctrl-C on <c>orrery run</c> cancels) stops the training on the
    /// cluster and gives the run's memory back at once: no GCN grain is left active (idle collection would take minutes).
    /// </summary>
    [Fact]
    public async Task AnInterruptedRunReleasesItsGrains()
    {
        const string Spec = """
            kind: gcn
            name: interrupted
            data: { source: csbm, nodes: 600, classes: 3, features: 6, p_in: 0.04, p_out: 0.003, separation: 0.8, seed: 2 }
            model: { layers: 2, hidden: 16 }
            partitioning: { method: random, parts: 3 }
            training: { epochs: 100000 }
            """;
        var root = ExperimentSpec.Parse(Spec, Path.Combine(_dir, "gcn.yaml"));
        await using var cluster = await Orrery.Cluster.Silos.OrleansEmbeddedCluster.StartAsync(new int[2]);
        using var interrupt = new CancellationTokenSource();
        using var output = new ExperimentOutput(Path.Combine(_dir, "interrupted"));
        var context = new ExperimentContext
        {
            Cluster = cluster.Client,
            Silos = _ => Task.FromResult<IReadOnlyList<Orrery.Contracts.Cluster.ClusterSiloInfo>>([]),
            Output = output,
            Progress = new Progress<ExperimentProgress>(p =>
            {
                if (p.Detail.StartsWith("epoch ", StringComparison.Ordinal))
                {
                    interrupt.Cancel();
                }
            }),
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new GcnExperimentRunner().RunAsync(context, root, interrupt.Token));
        await Eventually.TrueAsync(async () => await GrainTrainingTests.ActivationsAsync(cluster) == (0, 0), TimeSpan.FromSeconds(30), "the interrupted run's grains to be released");
    }

    /// <summary>
    /// Every example spec shipped in src/Orrery.Gcn/Examples parses, with the data it names present (scripts/test.sh
    /// installs Fashion-MNIST and unpacks graph-tool's collection; without them the test is skipped, not passed).
    /// </summary>
    [SkippableFact]
    public void ExampleSpecsParse()
    {
        _ = GraphToolData.Directory;
        Skip.IfNot(Directory.Exists(FashionMnistKnn.DefaultDirectory), $"{FashionMnistKnn.DefaultDirectory} is missing: apt-get install dataset-fashion-mnist (scripts/test.sh does)");
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Examples"), "*.yaml").ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, f => f);
        Assert.Equal(["csbm-pipelined", "fashion-mnist-knn", "football"], files.Keys.Order(StringComparer.Ordinal));
        var specs = files.ToDictionary(f => f.Key, f => GcnSpec.Parse(ExperimentSpec.Load(f.Value)));
        Assert.All(specs, s => Assert.Equal(s.Key, s.Value.Name));
        Assert.Equal(("csbm", 4, ExchangeMode.Pipelined), (specs["csbm-pipelined"].Request.Source, specs["csbm-pipelined"].Parts, specs["csbm-pipelined"].Exchange.Mode));
        var fashion = specs["fashion-mnist-knn"].Request;
        Assert.Equal(("fashion-mnist", FashionMnistKnn.AllImages, 10, true, 10), (fashion.Source, fashion.Nodes, fashion.Neighbours, fashion.PrecomputeFirstLayer, fashion.CheckpointEvery));
        var football = specs["football"].Request;
        Assert.Equal(("graph-tool", "football", 2, 20), (football.Source, football.GraphName, football.Parts, football.CheckpointEvery));
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
    [InlineData("", false)]
    [InlineData("exchange: { input_rows: local }", false)]
    [InlineData("exchange: { mode: pipelined, input_rows: exchanged }", true)]
    public void InputRowsReachTheRequestAndTheModel(string line, bool exchanged)
    {
        var text = $"kind: gcn\ndata: {{ source: csbm, nodes: 100, p_in: 0.1, p_out: 0.01 }}\n{line}\n";
        var spec = GcnSpec.Parse(ExperimentSpec.Parse(text, Path.Combine(_dir, "rows.yaml")));
        Assert.Equal(exchanged, spec.Request.ExchangeInputRows);
        var model = spec.ModelFor(spec.LoadGraph());
        Assert.Equal((exchanged, !exchanged), (model.ExchangesFeatures(0), model.FormsInputHaloLocally));
    }

    [Theory]
    [InlineData("", DevicePreference.Any)]
    [InlineData("training: { device: any }", DevicePreference.Any)]
    [InlineData("training: { device: cpu }", DevicePreference.Cpu)]
    [InlineData("training: { device: gpu }", DevicePreference.Gpu)]
    public void TheDeviceChoiceReachesTheRequest(string line, DevicePreference expected)
    {
        var text = $"kind: gcn\ndata: {{ source: csbm, nodes: 100, p_in: 0.1, p_out: 0.01 }}\n{line}\n";
        Assert.Equal(expected, GcnSpec.Parse(ExperimentSpec.Parse(text, Path.Combine(_dir, "device.yaml"))).Request.Device);
    }

    [Theory]
    [InlineData("exchange: { mode: async }", "mode")]
    [InlineData("model: { layers: 2, linear_layers: 2 }", "linear_layers")]
    [InlineData("training: { epoch: 3 }", "epoch")]
    [InlineData("model: { precompute: sometimes }", "precompute")]
    [InlineData("training: { device: tpu }", "device")]
    [InlineData("exchange: { input_rows: remote }", "input_rows")]
    [InlineData("training: { evaluate_every: 0 }", "evaluate_every")]
    public void BadSpecNamesTheField(string line, string field)
    {
        var text = $"kind: gcn\ndata: {{ source: csbm, nodes: 100, p_in: 0.1, p_out: 0.01 }}\n{line}\n";
        var error = Assert.Throws<ExperimentSpecException>(() => GcnSpec.Parse(ExperimentSpec.Parse(text, Path.Combine(_dir, "bad.yaml"))));
        Assert.Contains(field, error.Message);
        Assert.Contains("bad.yaml", error.Message);
    }
}
