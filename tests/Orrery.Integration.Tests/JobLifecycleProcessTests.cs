using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Extensions.Logging;
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
/// A job's life on real silo and client processes: exactly one coordinator whatever membership does (a silo joining,
/// Redis stopped and restarted), Ctrl-C on <c>orrery run</c>, refusals before work starts, a second silo on a tensor
/// port in use, <c>orrery silos</c> on a pipe, and the log lines operators search for.
/// </summary>
public sealed class JobLifecycleProcessTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The silo's assembly context, one for the process.</summary>
    private static readonly Lazy<SiloAssemblyContext> SiloAssemblies = new(() => new SiloAssemblyContext(Path.GetDirectoryName(Executables.Silo)!));

    // Caught before: when the view changed, a fresh coordinator activation that knew no job answered a poll and the
    // driver started the job again while the original ran on (1 of 4 trials with a silo joining). The silos' own
    // job-start log lines (event id 4000) count the starts, orphans included.
    [Fact]
    public async Task ASiloJoiningMidJob_TheJobStartsOnceAndGivesTheUndisturbedResult()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 2);
        var (run, starts, underway) = StartJob(cluster, "joining");
        await underway.Task.WaitAsync(Deadline);
        Assert.False(run.IsCompleted, "the silo must join mid-job");

        var joining = cluster.StartSilo("silo-late", FreePort.Next(), FreePort.Next());
        await joining.WaitReadyAsync(Deadline);
        await cluster.WaitForActiveAsync(3, Deadline);

        var finished = await run.WaitAsync(TimeSpan.FromSeconds(180));
        AssertRanOnce(cluster, finished, starts, "joining-");

        // The membership change is in the others' logs under its event id.
        Assert.Contains(cluster.Silos[0].Output.Split('\n'), l => l.Contains("[1100]", StringComparison.Ordinal) && l.Contains("silo silo-late", StringComparison.Ordinal) && l.Contains("is Active", StringComparison.Ordinal));
    }

    // Caught before: on a Redis restart three copies of the job ran and it took three times as long.
    [Fact]
    public async Task RedisStoppedAndRestartedMidJob_TheJobStartsOnceAndGivesTheUndisturbedResult()
    {
        await using var redis = await RedisServer.StartNewAsync(appendOnly: true);
        await using var cluster = await ProcessCluster.StartAsync(redis, silos: 2);
        var (run, starts, underway) = StartJob(cluster, "redis-restart");
        await underway.Task.WaitAsync(Deadline);
        Assert.False(run.IsCompleted, "Redis must stop mid-job");

        await redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // an outage, not a synchronisation: the job runs on meanwhile
        await redis.StartAsync();

        var finished = await run.WaitAsync(TimeSpan.FromSeconds(180));
        AssertRanOnce(cluster, finished, starts, "redis-restart-");
    }

    // Caught before: Ctrl-C killed the client and the job ran on on the cluster until it finished.
    [Fact]
    public async Task SigintOnOrreryRun_StopsTheJobOnTheClusterLeavesNoFolderAndExits130()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 2);
        var folder = Directory.CreateTempSubdirectory("orrery-sigint-").FullName;
        try
        {
            var spec = Path.Combine(folder, "long.yaml");
            File.WriteAllText(spec, """
                kind: sampling
                graph: {generator: star, arms: 3, leaves: reflecting}
                particles: 400000
                dt: 0.001
                end_time: 40
                initial: {vertex: c}
                slice_steps: 100
                """);
            var output = Path.Combine(folder, "out");
            await using var client = ClientProcess.Start("run", spec, "--out", output, "--orleans-gateway", cluster.Silos[0].OrleansGateway, "--cluster-id", cluster.ClusterId);
            var started = await client.WaitForLineAsync(l => l.StartsWith("job ", StringComparison.Ordinal) && l.Contains("coordinator on silo", StringComparison.Ordinal), Deadline);
            var key = started["job ".Length..started.IndexOf(": ", StringComparison.Ordinal)];
            await client.WaitForLineAsync(l => l.Contains("particle-steps/s", StringComparison.Ordinal), Deadline);

            client.Signal(2);
            Assert.Equal(130, await client.WaitExitAsync(Deadline));
            Assert.Contains("orrery: interrupted", client.Output);
            Assert.DoesNotContain("Unhandled exception", client.Output);
            Assert.Equal(["long.yaml"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));

            // The job was stopped on the cluster and released: no coordinator or ensemble of it is left on the silo
            // processes (idle collection would take minutes), and a poll finds no job.
            await Eventually.TrueAsync(
                async () =>
                {
                    var statistics = await cluster.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetSimpleGrainStatistics();
                    return !statistics.Any(s => s.ActivationCount > 0 && (s.GrainType.Contains(nameof(SamplingCoordinatorGrain), StringComparison.Ordinal) ||
                                                                          s.GrainType.Contains(nameof(ParticleEnsembleGrain), StringComparison.Ordinal)));
                },
                TimeSpan.FromSeconds(30), "the interrupted job's coordinator and ensembles to be deactivated");
            Assert.Equal(SamplingState.Unknown, (await cluster.Client.GetGrain<ISamplingCoordinatorGrain>(key).GetProgressAsync()).State);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // Caught before: an --out that is a file or /dev/null failed with a trace after the whole run; a spec without a
    // check printed "its checks passed".
    [Fact]
    public async Task OrreryRunRefusesAnUnusableOutBeforeWorkAndSaysWhenNoCheckRan()
    {
        var folder = Directory.CreateTempSubdirectory("orrery-out-").FullName;
        try
        {
            var spec = Path.Combine(folder, "small.yaml");
            File.WriteAllText(spec, """
                kind: sampling
                graph: {generator: star, arms: 2, leaves: absorbing}
                particles: 2000
                dt: 0.001
                end_time: 1
                initial: {vertex: c}
                """);
            var file = Path.Combine(folder, "taken.txt");
            File.WriteAllText(file, "x");
            foreach (var place in new[] { file, "/dev/null" })
            {
                var (code, raw) = await Executables.RunClientAsync(Deadline, "run", spec, "--out", place);
                var text = System.Text.RegularExpressions.Regex.Replace(raw, @"\s+", " "); // the console wraps long lines
                Assert.Equal(1, code);
                Assert.Contains($"output folder {place} is an existing file", text);
                Assert.DoesNotContain("Running", text); // refused before the cluster started
                Assert.DoesNotContain("   at ", raw);
            }

            var (ok, okText) = await Executables.RunClientAsync(TimeSpan.FromSeconds(120), "run", spec, "--out", Path.Combine(folder, "out"));
            Assert.True(ok == 0, okText);
            Assert.Contains("experiment finished; no check ran", okText);
            Assert.DoesNotContain("checks passed", okText);
            Assert.Equal("x", File.ReadAllText(file));
            Assert.Empty(Directory.GetDirectories(folder, ".*staging*"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // The tensor channel's listener once set ReuseAddress (SO_REUSEPORT on Linux): a second silo on a busy tensor port
    // started "active" and the kernel split connections between the two.
    [Fact]
    public async Task ASecondSiloOnATensorPortInUseStopsAtStartNamingThePort_AndTheFirstKeepsServing()
    {
        await using var cluster = new ProcessCluster(fixture.Redis);
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var first = cluster.StartSilo("first", FreePort.Next(), FreePort.Next(), "--Tensors:Port", port);
        await first.WaitReadyAsync(Deadline);

        var second = cluster.StartSilo("second", FreePort.Next(), FreePort.Next(), "--Tensors:Port", port);
        Assert.Equal(1, await second.WaitExitAsync(Deadline));
        Assert.Contains($"Tensors:Port {port} on 127.0.0.1 is in use", second.Output);
        Assert.DoesNotContain("Unhandled exception", second.Output);
        Assert.Equal(200, await first.HttpStatusAsync("/readyz"));
    }

    // Caught before: on a pipe the table wrapped each silo into dozens of lines.
    [Fact]
    public async Task OrrerySilosOnAPipePrintsOnePlainLinePerSilo()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 2);
        var (code, text) = await Executables.RunClientAsync(Deadline, new Dictionary<string, string> { ["COLUMNS"] = "40" },
            "silos", "--orleans-gateway", cluster.Silos[0].OrleansGateway, "--cluster-id", cluster.ClusterId);
        Assert.True(code == 0, text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("name\taddress\tgeneration\tstatus\tcores\tgpus\tstarted\tlast alive", lines[0]);
        foreach (var (line, name) in lines[1..3].Zip(new[] { "silo-0", "silo-1" }))
        {
            var fields = line.Split('\t');
            Assert.Equal(8, fields.Length);
            Assert.Equal(name, fields[0]);
            Assert.Equal("Active", fields[3]);
        }

        Assert.Equal("2 active of 2 listed", lines[3]);
    }

    // Operators search the logs by event id: every [LoggerMessage] in every Orrery assembly the silo ships (each
    // workload included, found by file name so a new one is covered without editing this test) has one, taken from the
    // id table, and no two share it.
    [Fact]
    public void EveryLogMessageHasItsOwnStableEventId()
    {
        // The silo's own assemblies load into a context of their own: in the default one, every Orleans client this
        // process makes later would scan them and look for the silo's packages (Dashboard, Kubernetes hosting) here.
        // An assembly this test process already has comes from the default context (the context's Load asks it first).
        var silo = SiloAssemblies.Value;
        var folder = Path.GetDirectoryName(Executables.Silo)!;
        var assemblies = Directory.GetFiles(folder, "Orrery.*.dll").Append(Executables.Silo)
            .Select(path => silo.LoadFromAssemblyName(new AssemblyName(Path.GetFileNameWithoutExtension(path))))
            .Distinct()
            .ToList();
        Assert.Contains(assemblies, a => a.GetName().Name == "Orrery.Gcn");
        Assert.Contains(assemblies, a => a.GetName().Name == "Orrery.Pca");
        var messages = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();
        Assert.True(messages.Count >= 25, $"found only {messages.Count} log messages");
        Assert.Empty(messages.Where(m => m.Attribute!.EventId == 0).Select(m => m.Method));
        Assert.Empty(messages.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}"));

        // The table: one constant per id, none given twice, and every message's id is in it.
        var table = typeof(Orrery.Cluster.Silos.OrreryLogEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Empty(table.GroupBy(e => e.Value).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Key))}"));
        Assert.Empty(messages.Where(m => !table.ContainsValue(m.Attribute!.EventId)).Select(m => $"{m.Method} ({m.Attribute!.EventId})"));
        foreach (var id in new[] { 1000, 1001, 1002, 1003, 1004, 1100, 1101, 1102, 3102, 3104, 4000, 4001, 4002, 4003, 4100, 4101, 4102, 4103, 4104, 4200, 4201, 4202, 4203, 4204 })
        {
            Assert.Contains(messages, m => m.Attribute!.EventId == id);
        }
    }

    private static (Task<SamplingRun> Run, int[] Starts, TaskCompletionSource Underway) StartJob(ProcessCluster cluster, string name)
    {
        int[] starts = [0];
        var underway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = SamplingJobDriver.RunAsync(cluster.Client, SamplingClusterTests.Job(), name,
            new Progress(p =>
            {
                if (p.Fraction > 0.1)
                {
                    underway.TrySetResult();
                }
            }),
            started: (_, _) => Interlocked.Increment(ref starts[0]));
        return (run, starts, underway);
    }

    private static void AssertRanOnce(ProcessCluster cluster, SamplingRun finished, int[] starts, string prefix)
    {
        Assert.Equal(1, Volatile.Read(ref starts[0]));
        Assert.Equal(0, finished.Restarts);
        var started = cluster.Silos.Sum(s => s.Output.Split('\n').Count(l => l.Contains("[4000]", StringComparison.Ordinal) && l.Contains("Sampling job " + prefix, StringComparison.Ordinal)));
        Assert.True(started == 1, $"{started} coordinators started the job:\n" + string.Join("\n", cluster.Silos.Select(s => $"--- {s.Name}\n{s.Output}")));
        var expected = new MetricGraphSampler(MetricGraphJson.Parse(SamplingClusterTests.Job().GraphJson), SamplingWire.ToOptions(SamplingClusterTests.Job().Settings!))
            .Run(0, (int)SamplingClusterTests.Job().Particles, InitialCondition.AtVertex(0));
        Assert.True(finished.Result.IsIdenticalTo(expected), "the job differs from the undisturbed in-process run");
    }

    private sealed class Progress(Action<Orrery.Experiments.ExperimentProgress> report) : IProgress<Orrery.Experiments.ExperimentProgress>
    {
        public void Report(Orrery.Experiments.ExperimentProgress value) => report(value);
    }

    /// <summary>
    /// A context for the silo executable's assemblies: what this process already has (the logging abstractions, Orleans)
    /// comes from the default context, so attribute types compare equal; the rest comes from the silo's folder. It is
    /// one for the process and never unloaded: every later Orleans client lists all loaded assemblies and asks their
    /// own context for what they reference (Orleans.Dashboard, Kubernetes hosting), which a collectible context being
    /// unloaded by the GC refused ("AssemblyLoadContext is unloading", order- and timing-dependent failures).
    /// </summary>
    private sealed class SiloAssemblyContext(string folder) : AssemblyLoadContext("silo assemblies", isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (FileNotFoundException)
            {
            }

            var path = Path.Combine(folder, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
