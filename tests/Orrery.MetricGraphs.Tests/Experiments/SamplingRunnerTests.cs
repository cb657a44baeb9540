using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Experiments;
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
        Assert.Contains("gpu.yaml:7:9: device: 'gpu' asks for GPUs, and none of the 2 active silos reports one", error.Message);
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
        var error = await Assert.ThrowsAsync<SamplingRequestException>(() => RunAsync(text, "gpu", GpuSilos()));
        Assert.Contains("no active silo reports one", error.Message);
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
    private async Task<ExperimentOutcome> RunAsync(string specText, string name, IReadOnlyList<ClusterSiloInfo>? silos = null)
    {
        var spec = ExperimentSpec.Parse(specText, Path.Combine(_folder, name + ".yaml"));
        var runner = new SamplingRunner();
        await using var cluster = await OrleansEmbeddedCluster.StartAsync([0, 0]);
        using var output = new ExperimentOutput(Path.Combine(_folder, "out"));
        var context = new ExperimentContext
        {
            Cluster = cluster.Client,
            Silos = async _ => silos ?? await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync(),
            Output = output,
        };
        var outcome = await runner.RunAsync(context, spec, CancellationToken.None);
        output.Commit();
        return outcome;
    }

    private static IReadOnlyList<ClusterSiloInfo> GpuSilos() =>
    [
        new ClusterSiloInfo { Name = "gpu-silo", Address = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 1), 1), GpuDevices = ["cuda:0"], CpuCores = 4 },
    ];
}
