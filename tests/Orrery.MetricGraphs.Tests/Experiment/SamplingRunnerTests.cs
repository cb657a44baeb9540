using System.Text.Json;
using System.Xml.Linq;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Hosting;
using Orrery.Cluster.Membership;
using Orrery.Experiments;
using Orrery.MetricGraphs.Experiment;
using Orrery.MetricGraphs.Grains;

namespace Orrery.MetricGraphs.Tests.Experiment;

/// <summary>The sampling runner as <c>orrery run</c> drives it: an example spec end to end on an embedded cluster, and a failed run that leaves nothing behind.</summary>
public sealed class SamplingRunnerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ExampleSpecRunsAndWritesItsOutputs()
    {
        // The shipped example, with fewer particles to keep the test short.
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Examples", "star-exit.yaml")).Replace("particles: 50000", "particles: 8000", StringComparison.Ordinal);
        var outcome = await RunAsync(text, "star-exit");
        Assert.True(outcome.Passed, string.Join("\n", outcome.Summary));

        var output = Path.Combine(_folder, "out");
        foreach (var name in new[] { "results.json", "density.csv", "occupation.csv", "exits.csv", "exit_times.csv", "density.svg", "exit_times.svg", "graph.json" })
        {
            Assert.True(File.Exists(Path.Combine(output, name)), $"{name} is missing");
        }

        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        var root = results.RootElement;
        Assert.Equal(8000, root.GetProperty("counts").GetProperty("particles").GetInt64());
        Assert.Equal(0.001, root.GetProperty("settings").GetProperty("dt").GetDouble());
        Assert.Equal("vertex c", root.GetProperty("settings").GetProperty("initial").GetString());
        var exits = root.GetProperty("exits");
        Assert.Equal(8000, exits.EnumerateObject().Sum(e => e.Value.GetProperty("count").GetInt64()));
        Assert.True(root.GetProperty("check").GetProperty("passed").GetBoolean());
        Assert.True(root.GetProperty("mean_exit_time").GetProperty("value").GetDouble() > 0);
        Assert.NotEmpty(root.GetProperty("ensembles").EnumerateArray());
        foreach (var svg in new[] { "density.svg", "exit_times.svg" })
        {
            Assert.Equal("svg", XDocument.Load(Path.Combine(output, svg)).Root!.Name.LocalName);
        }

        var density = File.ReadAllLines(Path.Combine(output, "density.csv"));
        Assert.Equal("window,edge,bin,x_start,x_end,samples,density", density[0]);
        Assert.Equal(1 + (7 * 3 * 32), density.Length);
        Assert.Empty(Directory.GetDirectories(_folder, ".out.staging-*"));
    }

    [Fact]
    public async Task GpuSpecOnACpuClusterIsASpecError()
    {
        var text = "kind: sampling\ngraph: {generator: star, arms: 3}\nparticles: 10\ndt: 0.01\nsteps: 5\ninitial: uniform\ndevice: gpu\n";
        var error = await Assert.ThrowsAsync<ExperimentSpecException>(() => RunAsync(text, "gpu"));
        Assert.Contains("gpu.yaml:7:9: device: 'gpu' asks for GPUs, and none of the 2 Active silos reports one", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public async Task FailedRunLeavesNoOutputFolder()
    {
        // The runner's view shows a GPU silo (one that left before the job started): the spec passes, and
        // the coordinator, which sees no GPU, refuses the job.
        var text = """
            kind: sampling
            graph: {generator: star, arms: 3}
            particles: 100
            dt: 0.01
            steps: 10
            initial: uniform
            device: gpu
            """;
        var error = await Assert.ThrowsAsync<BadRequestException>(() => RunAsync(text, "gpu", GpuView()));
        Assert.Contains("no Active silo reports one", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
        Assert.Empty(Directory.GetDirectories(_folder, ".out.staging-*"));
    }

    [Fact]
    public async Task BadSpecFailsBeforeAnyGrainIsCalled()
    {
        var error = await Assert.ThrowsAsync<ExperimentSpecException>(() => RunAsync("kind: sampling\ngraph: {generator: star, arms: 3}\nparticles: 0\ndt: 0.01\nsteps: 5\n", "zero"));
        Assert.Contains("particles: 0 is out of range", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    /// <summary>What <c>orrery run</c> does: a staged output that is committed only when the runner returns.</summary>
    private async Task<ExperimentOutcome> RunAsync(string specText, string name, MembershipView? view = null)
    {
        var spec = ExperimentSpec.Parse(specText, Path.Combine(_folder, name + ".yaml"));
        var runner = new SamplingRunner();
        await using var cluster = await EmbeddedCluster.StartAsync(2, [runner.GrainAssembly]);
        using var output = new ExperimentOutput(Path.Combine(_folder, "out"));
        var outcome = await runner.RunAsync(new ExperimentContext { Grains = cluster.Client, View = () => view ?? cluster.Client.View, Output = output }, spec, CancellationToken.None);
        output.Commit();
        return outcome;
    }

    private static MembershipView GpuView()
    {
        var silo = new SiloEntry { Name = "gpu-silo", Host = "127.0.0.1", Port = 1, Generation = 1, Status = SiloStatus.Active, Capabilities = new SiloCapabilities { CpuCores = 4 } };
        silo.Capabilities.Gpus.Add(new GpuInfo { Index = 0, Model = "test", MemoryBytes = 1 << 30, Multiprocessors = 1 });
        var snapshot = new MembershipSnapshot { Version = 1 };
        snapshot.Silos.Add(silo);
        return new MembershipView(snapshot);
    }
}
