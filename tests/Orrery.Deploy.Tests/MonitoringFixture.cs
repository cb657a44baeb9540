using Orrery.Cluster.Client;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Errors;
using Orrery.Contracts.Diagnostics;
using Orrery.Contracts.Pca;

namespace Orrery.Deploy.Tests;

/// <summary>
/// Two real silo processes on a real Redis, scraped every second by a real Prometheus that also
/// evaluates the chart's alert rules. Targets carry the labels the ServiceMonitor gives them in a
/// cluster (job = the chart's headless Service, namespace), so the chart's queries run unchanged.
/// </summary>
public sealed class MonitoringFixture : IAsyncLifetime
{
    /// <summary>The job label of silo targets: the ServiceMonitor's Service, &lt;fullname&gt;-silos.</summary>
    public const string Job = $"{Tests.Chart.Release}-silos";

    internal RenderedChart Rendered { get; private set; } = null!;

    internal RedisServer Redis { get; private set; } = null!;

    internal ProcessCluster Cluster { get; private set; } = null!;

    internal PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>The Orleans client that started the warm-up PCA run.</summary>
    internal Orrery.Cluster.Silos.OrleansClientConnection? PcaClient { get; private set; }

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
        await WarmUpAsync();
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (PcaClient is not null)
        {
            await PcaClient.DisposeAsync();
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
    /// Every kind of traffic the dashboard and alerts show, so each series they query exists:
    /// client calls to both silos, silo-to-silo calls (a load run from each silo to the other), a
    /// tensor round trip, an unfinished PCA run, and one connection that fails the handshake (a wrong
    /// secret). The workload counters exist from silo start (at 0) without any work.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var client = Cluster.Client;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            client.GetGrain<IEchoGrain>($"warm-{i}").EchoAsync(new EchoRequest { Text = "warm" }, CancellationToken.None)));
        var (a, b) = (Cluster.Silos[0].Name, Cluster.Silos[1].Name);
        await Task.WhenAll(
            client.GetGrain<ILoadGrain>("warm-load", a).RunAsync(new LoadRequest { TargetSilo = b, Kind = "echo", Calls = 200, Concurrency = 4, Keys = 8 }, CancellationToken.None),
            client.GetGrain<ILoadGrain>("warm-load", b).RunAsync(new LoadRequest { TargetSilo = a, Kind = "echo", Calls = 200, Concurrency = 4, Keys = 8 }, CancellationToken.None));
        await client.GetGrain<ITensorGrain>("warm-tensor").RoundTripAsync(new TensorRequest { Payload = new byte[1 << 16] }, CancellationToken.None);

        // A PCA run left unfinished (a few of its 100,000 rounds): orrery_pca_error has a series only
        // while a run with a truth is in flight. Its coordinator (an Orleans grain, started through an Orleans
        // client kept for the fixture's life) stays for Orleans's collection age (15 min), longer than these
        // tests; OrreryPcaStalled would need 12 minutes without a round.
        PcaClient = await Cluster.ConnectOrleansAsync();
        var pca = PcaClient.Client.GetGrain<IPcaCoordinatorGrain>("warm-pca");
        await pca.StartAsync(
            new PcaStartRequest
            {
                Source = new PcaSource { Kind = "generated", Spectrum = "power", Dimension = 16, Rows = 2000, Seed = 1 },
                Components = 2,
                MaxRounds = 100_000,
                Seed = 1,
            },
            CancellationToken.None);
        var advanced = await pca.AdvanceAsync(0.2, CancellationToken.None);
        if (advanced.Finished || advanced.Rounds.Count == 0)
        {
            throw new InvalidOperationException($"the warm-up PCA run should be in flight with rounds done: finished={advanced.Finished} ({advanced.StopReason}), rounds={advanced.Rounds.Count}");
        }

        try
        {
            await using var intruder = await ClusterClient.ConnectAsync(new ClusterClientOptions
            {
                Gateways = [Cluster.Silos[0].Endpoint],
                Cluster = new ClusterOptions { ClusterId = Cluster.ClusterId, Secret = "not-the-secret" },
            });
            throw new InvalidOperationException("a client with a wrong secret was let in");
        }
        catch (ClusterUnauthorizedException)
        {
        }
    }
}
