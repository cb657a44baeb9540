using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.Contracts.Pca;
using Orrery.MetricGraphs.Experiments;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.Deploy.Tests;

/// <summary>
/// Two real silo processes on a real Redis, scraped every second by a real Prometheus that also
/// evaluates the chart's alert rules. Targets carry the labels the ServiceMonitor gives them in a
/// cluster (job = the chart's headless Service, namespace), so the chart's queries run unchanged.
/// The load goes through an Orleans client: sampling jobs, a PCA run, tensors by reference.
/// </summary>
public sealed partial class MonitoringFixture : IAsyncLifetime
{
    /// <summary>The job label of silo targets: the ServiceMonitor's Service, &lt;fullname&gt;-silos.</summary>
    public const string Job = $"{Tests.Chart.Release}-silos";

    internal RenderedChart Rendered { get; private set; } = null!;

    internal RedisServer Redis { get; private set; } = null!;

    internal ProcessCluster Cluster { get; private set; } = null!;

    internal PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>The Orleans client the load goes through; kept for the fixture's life (the unfinished PCA run's coordinator stays).</summary>
    internal OrleansClientConnection Orleans { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Rendered = await Tests.Chart.RenderAsync("monitoring");
        Redis = await RedisServer.StartNewAsync();
        Cluster = await ProcessCluster.StartAsync(Redis, silos: 2);
        Prometheus = await PrometheusServer.StartAsync(
            Job,
            [.. Cluster.Silos.Select(s => $"127.0.0.1:{s.HttpPort}")],
            new Dictionary<string, string> { ["namespace"] = Tests.Chart.Namespace },
            MonitoringQueries.RuleFile(Rendered));
        Orleans = await ConnectOrleansAsync();
        await WarmUpAsync();
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Orleans is not null)
        {
            await Orleans.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }

    /// <summary>
    /// A sampling job with one ensemble on each silo: its slices are grain calls between the silos, and its checkpoints
    /// travel as tensors by reference (each coordinator fetches the other silo's over the tensor channel).
    /// </summary>
    internal static SamplingJob SamplingJob(int steps = 400) => new()
    {
        GraphJson = MetricGraphJson.Write(MetricGraphGenerators.Star([1.0, 1.5, 0.5], [0.5, 0.3, 0.2], 1.0, VertexKind.Junction)),
        Settings = SamplingWire.ToSettings(new SamplingOptions { Seed = 5, TimeStep = 1e-3f, Steps = steps, BinsPerEdge = 8, WindowSteps = 100, ExitTimeBins = 8 }),
        Initial = new InitialPlacement { Kind = InitialKind.AtVertex, Vertex = 0 },
        Particles = 20_000,
        SliceSteps = 40,
        CheckpointEvery = 1,
        Ensembles = 2,
    };

    /// <summary>
    /// Every kind of traffic the dashboard and alerts show, so each series they query exists: grain calls from the
    /// client and between the silos (a sampling job), tensors fetched by reference (its checkpoints, and a PCA run whose
    /// blocks all go by reference), an unfinished PCA run, and one connection to a tensor port that fails the handshake.
    /// The workload counters exist from silo start (at 0) without any work.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var run = await SamplingJobDriver.RunAsync(Orleans.Client, SamplingJob(), "warm-sampling");
        if (run.Reply.Ensembles.Select(e => e.Silo).Distinct().Count() != 2)
        {
            throw new InvalidOperationException($"the warm-up sampling job should run an ensemble on each silo: {string.Join(", ", run.Reply.Ensembles.Select(e => e.Silo))}");
        }

        // A PCA run left unfinished (a few of its 100,000 rounds): orrery_pca_error has a series only while a run with
        // a truth is in flight. Its coordinator stays for Orleans's collection age (15 min), longer than these tests;
        // OrreryPcaStalled would need 12 minutes without a round. Blocks above 16 bytes go by reference, so the shards'
        // products and the workers' vectors cross the tensor channel.
        var pca = Orleans.Client.GetGrain<IPcaCoordinatorGrain>("warm-pca");
        await pca.StartAsync(
            new PcaStartRequest
            {
                Source = new PcaSource { Kind = "generated", Spectrum = "power", Dimension = 16, Rows = 2000, Seed = 1 },
                Components = 2,
                MaxRounds = 100_000,
                Seed = 1,
                Shards = 2,
                InlineLimitBytes = 16,
            },
            CancellationToken.None);
        // The first slices load the shards (the start only takes the run): advance until rounds are done, 30 s at most.
        var advancing = Stopwatch.StartNew();
        var advanced = await pca.AdvanceAsync(0.2, CancellationToken.None);
        while (!advanced.Finished && advanced.Rounds.Count == 0 && advancing.Elapsed < TimeSpan.FromSeconds(30))
        {
            advanced = await pca.AdvanceAsync(0.2, CancellationToken.None);
        }

        if (advanced.Finished || advanced.Rounds.Count == 0)
        {
            throw new InvalidOperationException($"the warm-up PCA run should be in flight with rounds done: finished={advanced.Finished} ({advanced.StopReason}), rounds={advanced.Rounds.Count}");
        }

        // Garbage at a tensor port: the channel refuses it in the handshake and counts it.
        using var intruder = new TcpClient();
        await intruder.ConnectAsync("127.0.0.1", TensorPort(Cluster.Silos[0]));
        await intruder.GetStream().WriteAsync(new byte[64].Select((_, i) => (byte)(i * 37)).ToArray());
        var clock = Stopwatch.StartNew();
        while (!(await Cluster.Silos[0].HttpGetAsync("/metrics")).Contains("orrery_tensor_handshake_failures_total 1", StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new InvalidOperationException("the tensor channel did not count the garbage connection as a failed handshake within 15 s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>An Orleans client once each silo's Orleans side sees both silos active.</summary>
    private async Task<OrleansClientConnection> ConnectOrleansAsync()
    {
        var orleans = await Cluster.ConnectOrleansAsync();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var views = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => orleans.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync()));
                if (views.All(v => v.Length == Cluster.Silos.Count))
                {
                    return orleans;
                }
            }
            catch (global::Orleans.Runtime.OrleansException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // A gateway that became Active a moment ago may refuse the first calls.
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                await orleans.DisposeAsync();
                throw new TimeoutException("the silos' Orleans membership did not show both silos active within 30 s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The port of a silo's tensor channel (Tensors:Port 0 in the tests), from its start log line.</summary>
    private static int TensorPort(SiloProcess silo)
    {
        var match = TensorChannelServing().Match(silo.Output);
        return match.Success
            ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"silo {silo.Name} logged no 'Tensor channel serving at' line:\n{silo.Output}");
    }

    [GeneratedRegex(@"Tensor channel serving at [^\s]+:(\d+) ")]
    private static partial Regex TensorChannelServing();
}
