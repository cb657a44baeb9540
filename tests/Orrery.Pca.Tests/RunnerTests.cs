using System.Text.Json;
using Orrery.Contracts.Cluster;
using Orrery.Experiments;
using Orrery.Pca.Experiments;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>The <c>kind: pca</c> spec and runner: located spec errors, and the files a run writes.</summary>
public sealed class RunnerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-pca-runner-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ExampleSpecsParse()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Examples"), "*.yaml"))
        {
            var spec = PcaSpec.Parse(ExperimentSpec.Load(file));
            Assert.NotEmpty(spec.Runs);
        }
    }

    [Fact]
    public void FashionMnistIsOneLine()
    {
        if (!Directory.Exists(Orrery.Pca.Data.PcaData.FashionMnistDirectory))
        {
            var error = Assert.Throws<ExperimentSpecException>(() => PcaSpec.Parse(ExperimentSpec.Parse("kind: pca\ndata: fashion-mnist\ncomponents: 5\n", "f.yaml")));
            Assert.Contains("dataset-fashion-mnist", error.Message);
            return;
        }

        var spec = PcaSpec.Parse(ExperimentSpec.Parse("kind: pca\ndata: fashion-mnist\ncomponents: 5\n", "f.yaml"));
        Assert.Equal("fashion-mnist", spec.Runs[0].Source.Kind);
        Assert.Equal(255, spec.Runs[0].Source.Scale);
        Assert.True(spec.Runs[0].Source.Center);
    }

    [Theory]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponets: 5\n", "spec.yaml:3:1: componets: unknown field")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: cubic, dimension: 50}\ncomponents: 5\n", "data.spectrum: 'cubic' is not one of: power, exponential, spiked, low-rank")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50, rows: 40}\ncomponents: 5\n", "data.rows: a generated data matrix needs more rows than its dimension (50)")]
    [InlineData("kind: pca\ndata: {source: idx, path: missing.idx}\ncomponents: 5\n", "data.path:")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\nshards: 3\n", "shards is 3; it must be a power of two")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\nsolvers: [parallel, newton]\n", "solvers[1]: 'newton' is not one of")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\nasynchronous: true\nsolvers: [eigengame]\n", "asynchronous rounds are for parallel deflation")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\nsolvers: [subspace]\noversample: -1\n", "spec.yaml:5:13: oversample:")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\nsolvers: [subspace]\noversample: 46\n", "oversample: oversample is 46; components + oversample (51) must not exceed the dimension 50 (solver subspace)")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\nsolvers: [parallel, subspace]\nasynchronous: true\n", "asynchronous: asynchronous is true; asynchronous rounds are for parallel deflation, and the subspace solver's Rayleigh-Ritz step needs the whole block")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\nsolvers: [subspace]\ntop1: oja\n", "top1 is oja; the subspace solver")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 4, rows: 8}\ncomponents: 2\nleaves: 16\n", "spec.yaml:4:9: leaves: leaves is 16; the data has 8 rows")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 4, rows: 8}\ncomponents: 2\n", "leaves is 16; the data has 8 rows")]
    [InlineData("kind: pca\ndata: {source: generated, spectrum: power, dimension: 50}\ncomponents: 5\ntop1: oja\neta_decay_steps: 0\n", "spec.yaml:5:18: eta_decay_steps: 0 is out of range")]
    public void BadSpecsAreRefusedNamingTheField(string text, string expected)
    {
        var error = Assert.Throws<ExperimentSpecException>(() => PcaSpec.Parse(ExperimentSpec.Parse(text, Path.Combine(_folder, "spec.yaml"))));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task RunWritesEveryOutputOnlyOnSuccess()
    {
        var specText = """
            kind: pca
            name: small
            data: {source: generated, spectrum: exponential, dimension: 40, rows: 81, seed: 3}
            shards: 2
            components: 4
            rounds: 300
            target_error: 1.0e-5
            solvers: [parallel, sequential, subspace]
            oversample: 6
            """;
        await using var cluster = await PcaRuns.StartClusterAsync(2);
        var outDir = Path.Combine(_folder, "out");
        using var output = new ExperimentOutput(outDir);
        var progress = new List<ExperimentProgress>();
        var context = new ExperimentContext
        {
            Cluster = cluster.Client,
            Silos = async _ => await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync(),
            Output = output,
            Progress = new InlineProgress(progress.Add),
        };
        var outcome = await new PcaExperimentRunner().RunAsync(context, ExperimentSpec.Parse(specText, Path.Combine(_folder, "small.yaml")), CancellationToken.None);
        Assert.False(Directory.Exists(outDir));
        output.Commit();

        Assert.True(outcome.Passed, string.Join("\n", outcome.Summary));
        Assert.Contains(progress, p => p.Detail.Contains("parallel: round", StringComparison.Ordinal) && p.Detail.Contains("E = ", StringComparison.Ordinal));
        foreach (var name in new[] { "convergence.svg", "summary.json", "parallel/eigenvalues.csv", "parallel/eigenvectors.npy", "parallel/eigenvectors.csv", "parallel/history.csv", "sequential/eigenvectors.npy",
            "subspace/eigenvalues.csv", "subspace/eigenvectors.npy", "subspace/eigenvectors.csv", "subspace/history.csv" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, name)), $"{name} missing");
        }

        var npy = File.ReadAllBytes(Path.Combine(outDir, "parallel", "eigenvectors.npy"));
        var headerLength = BitConverter.ToUInt16(npy, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Contains("'shape': (4, 40)", System.Text.Encoding.ASCII.GetString(npy, 10, headerLength));
        Assert.Equal(10 + headerLength + 4 * 40 * 4, npy.Length);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal("generated", summary.RootElement.GetProperty("source").GetProperty("kind").GetString());
        Assert.Equal(40, summary.RootElement.GetProperty("source").GetProperty("dimension").GetInt32());
        var parallel = summary.RootElement.GetProperty("runs")[0];
        Assert.Equal("parallel", parallel.GetProperty("solver").GetString());
        Assert.True(parallel.GetProperty("target_reached").GetBoolean());
        Assert.True(parallel.GetProperty("final_error").GetDouble() <= 1e-5);
        Assert.Equal(4, parallel.GetProperty("eigenvalues").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, parallel.GetProperty("oversample").ValueKind);
        var subspace = summary.RootElement.GetProperty("runs")[2];
        Assert.Equal("subspace", subspace.GetProperty("solver").GetString());
        Assert.True(subspace.GetProperty("target_reached").GetBoolean());
        Assert.Equal(6, subspace.GetProperty("oversample").GetInt32());
        Assert.Empty(subspace.GetProperty("worker_silos").EnumerateArray());
        Assert.Contains(progress, p => p.Detail.Contains("subspace: round", StringComparison.Ordinal));
        Assert.Contains("<polyline", File.ReadAllText(Path.Combine(outDir, "convergence.svg")));
    }

    private sealed class InlineProgress(Action<ExperimentProgress> report) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value) => report(value);
    }
}
