using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Experiments;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// Sampling on the Orleans silos of three real silo processes clustered through a real Redis: the same bits as one
/// in-process run, the same bits after a silo hosting ensembles, or the one hosting the coordinator, is killed with
/// SIGKILL mid-job, the workload's metrics on /metrics, and <c>orrery run</c> as a process, embedded and against the cluster.
/// </summary>
public sealed class SamplingClusterTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private const int Particles = 60_000;

    // A star with absorbing and reflecting leaves and a drift: exits, occupation and splits all count.
    private static readonly string GraphJson = MetricGraphJson.Write(MetricGraphGenerators.Star(
        [1.0, 1.5, 0.5, 2.0], [0.4, 0.3, 0.2, 0.1], 1.0, VertexKind.Absorbing,
        [EdgeDrift.None, EdgeDrift.Constant(0.5), EdgeDrift.Linear(-1), EdgeDrift.None]));

    private static readonly SamplingOptions Options = new() { Seed = 21, TimeStep = 1e-3f, Steps = 2000, BinsPerEdge = 16, WindowSteps = 500, ExitTimeBins = 40 };

    private static readonly Lazy<SamplingResult> InProcess = new(() =>
        new MetricGraphSampler(MetricGraphJson.Parse(GraphJson), Options).Run(0, Particles, InitialCondition.AtVertex(0)));

    // Slices of 40 steps: about 50 ms for an ensemble of 20,000 particles, far inside the test silos' 5 s
    // call timeout on a loaded 2-core machine, and 50 slices per ensemble for the kill to land in.
    internal static SamplingJob Job() => new()
    {
        GraphJson = GraphJson,
        Settings = SamplingWire.ToSettings(Options),
        Initial = new InitialPlacement { Kind = InitialKind.AtVertex, Vertex = 0 },
        Particles = Particles,
        SliceSteps = 40,
        CheckpointEvery = 2,
    };

    [Fact]
    public async Task ThreeSiloProcessesGiveTheInProcessResultAndCountTheirWork()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await ConnectAsync(cluster);
        var run = await SamplingJobDriver.RunAsync(orleans.Client, Job(), "processes");
        Assert.Equal(3, run.Reply.Ensembles.Count);
        Assert.Equal(3, run.Reply.Ensembles.Select(e => e.Silo).Distinct().Count());
        Assert.True(run.Result.IsIdenticalTo(InProcess.Value), "three silo processes differ from the in-process run");

        // Each silo counted its ensemble's particle-steps; together they are the job's.
        long counted = 0;
        foreach (var silo in cluster.Silos)
        {
            var metrics = await silo.HttpGetAsync("/metrics");
            await HostInputTests.AssertPromtoolAcceptsAsync(metrics);
            var line = metrics.Split('\n').Single(l => l.StartsWith("orrery_sampling_particle_steps_total{", StringComparison.Ordinal));
            counted += long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("orrery_sampling_splits_total{", metrics);
            Assert.Contains("orrery_sampling_truncated_steps_total{", metrics);
        }

        Assert.Equal(run.Result.ParticleSteps, counted);
    }

    [Fact]
    public async Task KillingASiloThatHostsEnsemblesMidJobDoesNotChangeTheResult()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await ConnectAsync(cluster);
        var coordinator = orleans.Client.GetGrain<ISamplingCoordinatorGrain>($"kill-test-{Guid.NewGuid():N}");
        var started = await coordinator.StartAsync(Job(), CancellationToken.None);
        Assert.Equal(3, started.Ensembles);

        // One ensemble per silo: any silo but the coordinator's hosts one.
        var victim = cluster.Silos.First(s => s.Name != started.Silo);
        var progress = await WaitAsync(coordinator, p => p.Fraction >= 0.15, TimeSpan.FromSeconds(60));
        Assert.True(progress.State == SamplingState.Running && progress.Fraction < 0.8, $"the kill must land mid-job; progress was {progress.Fraction:P0} ({progress.State})");
        victim.Kill();

        progress = await WaitAsync(coordinator, p => p.State != SamplingState.Running, TimeSpan.FromSeconds(90));
        Assert.True(progress.State == SamplingState.Done, $"{progress.State}: {progress.Error}");
        var reply = await coordinator.GetResultAsync();
        var moved = reply.Ensembles.Where(e => e.Placements > 1).ToList();
        Assert.NotEmpty(moved);
        Assert.All(moved, e => Assert.StartsWith(victim.Name + " at step ", e.MovedFrom[0]));
        Assert.All(reply.Ensembles, e => Assert.NotEqual(victim.Name, e.Silo));
        Assert.True(reply.Replacements >= 1);
        var result = SamplingWire.ToResult(reply.Counts, Options, MetricGraphJson.Parse(GraphJson));
        Assert.True(result.IsIdenticalTo(InProcess.Value), "the run with a killed silo differs from the undisturbed one");
    }

    [Fact]
    public async Task KillingTheCoordinatorsSiloMidJobRestartsTheJobWithTheSameResult()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await ConnectAsync(cluster);
        var coordinatorSilo = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var underway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var said = new List<string>();
        var run = SamplingJobDriver.RunAsync(orleans.Client, Job(), "kill-coordinator",
            new Progress(p =>
            {
                if (p.Fraction > 0.15)
                {
                    underway.TrySetResult();
                }
            }),
            line =>
            {
                lock (said)
                {
                    said.Add(line);
                }
            },
            started: (_, reply) => coordinatorSilo.TrySetResult(reply.Silo));

        var name = await coordinatorSilo.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await underway.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(run.IsCompleted, "the kill must land mid-job");
        cluster.Silos.Single(s => s.Name == name).Kill();

        var finished = await run.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(1, finished.Restarts);
        Assert.NotEqual(name, finished.Reply.Silo);
        Assert.All(finished.Reply.Ensembles, e => Assert.NotEqual(name, e.Silo));
        Assert.Contains(said, line => line.Contains("was lost", StringComparison.Ordinal));
        Assert.True(finished.Result.IsIdenticalTo(InProcess.Value), "the job restarted after its coordinator's silo was killed differs from the undisturbed run");
    }

    [Fact]
    public async Task SigtermOfTheCoordinatorsSiloMidJob_TheJobFinishesWithTheSameResult()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await using var orleans = await ConnectAsync(cluster);
        var coordinatorSilo = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var underway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = SamplingJobDriver.RunAsync(orleans.Client, Job(), "sigterm-coordinator",
            new Progress(p =>
            {
                if (p.Fraction > 0.15)
                {
                    underway.TrySetResult();
                }
            }),
            started: (_, reply) => coordinatorSilo.TrySetResult(reply.Silo));

        var name = await coordinatorSilo.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await underway.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(run.IsCompleted, "the SIGTERM must land mid-job");
        var leaving = cluster.Silos.Single(s => s.Name == name);
        Assert.Equal(0, await leaving.TerminateAsync(TimeSpan.FromSeconds(60)));

        var finished = await run.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.NotEqual(name, finished.Reply.Silo);
        Assert.All(finished.Reply.Ensembles, e => Assert.NotEqual(name, e.Silo));
        Assert.True(finished.Result.IsIdenticalTo(InProcess.Value), "the job whose coordinator's silo was stopped with SIGTERM differs from the undisturbed run");
    }

    [Fact]
    public async Task RedisStoppedAndRestartedWithItsDataMidJob_TheJobFinishesWithTheSameResult()
    {
        await using var redis = await RedisServer.StartNewAsync(appendOnly: true);
        await using var cluster = await ProcessCluster.StartAsync(redis);
        await using var orleans = await ConnectAsync(cluster);
        var coordinator = orleans.Client.GetGrain<ISamplingCoordinatorGrain>($"redis-test-{Guid.NewGuid():N}");
        await coordinator.StartAsync(Job(), CancellationToken.None);
        var progress = await WaitAsync(coordinator, p => p.Fraction >= 0.1, TimeSpan.FromSeconds(60));
        Assert.True(progress.State == SamplingState.Running && progress.Fraction < 0.7, $"Redis must stop mid-job; progress was {progress.Fraction:P0} ({progress.State})");

        await redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await redis.StartAsync();

        progress = await WaitAsync(coordinator, p => p.State != SamplingState.Running, TimeSpan.FromSeconds(120));
        Assert.True(progress.State == SamplingState.Done, $"{progress.State}: {progress.Error}");
        var reply = await coordinator.GetResultAsync();
        Assert.Equal(0, reply.Replacements);
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, s.Output));
        var result = SamplingWire.ToResult(reply.Counts, Options, MetricGraphJson.Parse(GraphJson));
        Assert.True(result.IsIdenticalTo(InProcess.Value), "the run through a Redis restart differs from the undisturbed one");
    }

    [Fact]
    public async Task OrreryRunAgainstTheClusterUsesItsOrleansGateways()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis);
        await (await ConnectAsync(cluster)).DisposeAsync(); // every silo sees all three before the client process starts

        var folder = Directory.CreateTempSubdirectory("orrery-run-cluster-").FullName;
        try
        {
            var spec = Path.Combine(folder, "star.yaml");
            File.WriteAllText(spec, """
                kind: sampling
                graph: {generator: star, lengths: [1, 0.5], weights: [0.5, 0.5], leaves: absorbing}
                particles: 6000
                dt: 0.001
                end_time: 10
                initial: {vertex: c}
                check: {closed_form: star-exit}
                """);
            var output = Path.Combine(folder, "out");
            var (code, text) = await Executables.RunClientAsync(TimeSpan.FromSeconds(120),
                "run", spec, "--out", output, "--orleans-gateway", cluster.Silos[1].OrleansGateway, "--cluster-id", cluster.ClusterId);
            Assert.True(code == 0, text);
            Assert.Contains("on the cluster (3 active silos)", text);
            Assert.Contains("over 3 silos", text);
            Assert.Contains("pass  P(exit at leaf0)", text);

            // A gateway nobody listens on: a clear error naming it, no output.
            var (badCode, badText) = await Executables.RunClientAsync(TimeSpan.FromSeconds(60),
                "run", spec, "--out", Path.Combine(folder, "bad"), "--orleans-gateway", $"127.0.0.1:{FreePort.Next()}", "--cluster-id", cluster.ClusterId, "--timeout", "3");
            Assert.Equal(1, badCode);
            Assert.Contains("no Orleans gateway of cluster", System.Text.RegularExpressions.Regex.Replace(badText, @"\s+", " "));
            Assert.False(Directory.Exists(Path.Combine(folder, "bad")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task OrreryRunWritesOutputsAndAFailedRunLeavesNone()
    {
        var folder = Directory.CreateTempSubdirectory("orrery-run-it-").FullName;
        try
        {
            var spec = Path.Combine(folder, "star.yaml");
            File.WriteAllText(spec, """
                kind: sampling
                graph: {generator: star, lengths: [1, 0.5], weights: [0.5, 0.5], leaves: absorbing}
                particles: 4000
                dt: 0.001
                end_time: 10
                initial: {vertex: c}
                observables: {windows: 2, exit_time_max: 3}
                check: {closed_form: star-exit}
                """);
            var output = Path.Combine(folder, "out");
            var (code, text) = await RunClientAsync("run", spec, "--out", output);
            Assert.True(code == 0, text);
            Assert.Contains("pass  P(exit at leaf0)", text);
            using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json"))))
            {
                Assert.Equal(4000, results.RootElement.GetProperty("counts").GetProperty("exited").GetInt64());
            }

            XDocument.Load(Path.Combine(output, "density.svg"));
            XDocument.Load(Path.Combine(output, "exit_times.svg"));

            var bad = Path.Combine(folder, "bad.yaml");
            File.WriteAllText(bad, File.ReadAllText(spec).Replace("generator: star,", "generator: star, lenghts: [2],", StringComparison.Ordinal));
            var badOutput = Path.Combine(folder, "bad-out");
            var (badCode, badText) = await RunClientAsync("run", bad, "--out", badOutput);
            Assert.Equal(1, badCode);
            Assert.Contains("bad spec", badText);
            // The console wraps long lines at word boundaries.
            Assert.Contains("graph.lenghts: unknown field", System.Text.RegularExpressions.Regex.Replace(badText, @"\s+", " "));
            Assert.False(Directory.Exists(badOutput));
            Assert.Empty(Directory.GetDirectories(folder, ".bad-out.staging-*"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>An Orleans client once every silo's Orleans side sees the three silos active.</summary>
    private static async Task<Orrery.Cluster.Silos.OrleansClientConnection> ConnectAsync(ProcessCluster cluster)
    {
        var orleans = await cluster.ConnectOrleansAsync();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var views = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => orleans.Client.GetGrain<Orrery.Contracts.Cluster.IClusterInventoryGrain>(0).GetActiveSilosAsync()));
                if (views.All(v => v.Length == cluster.Silos.Count(s => !s.HasExited)))
                {
                    return orleans;
                }
            }
            catch (Orleans.Runtime.OrleansException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // A gateway that became Active a moment ago may refuse the first calls.
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                await orleans.DisposeAsync();
                throw new TimeoutException("the silos' Orleans membership did not show every silo active within 30 s");
            }

            await Task.Delay(100);
        }
    }

    private sealed class Progress(Action<Orrery.Experiments.ExperimentProgress> report) : IProgress<Orrery.Experiments.ExperimentProgress>
    {
        public void Report(Orrery.Experiments.ExperimentProgress value) => report(value);
    }

    private static async Task<SamplingProgressReply> WaitAsync(ISamplingCoordinatorGrain coordinator, Func<SamplingProgressReply, bool> until, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var progress = await coordinator.GetProgressAsync();
            if (until(progress) || progress.State is SamplingState.Done or SamplingState.Failed)
            {
                return progress;
            }

            Assert.True(clock.Elapsed < timeout, $"sampling job still at {progress.Fraction:P0} after {timeout.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    private static Task<(int Code, string Output)> RunClientAsync(params string[] args) =>
        Executables.RunClientAsync(TimeSpan.FromSeconds(120), args);
}
