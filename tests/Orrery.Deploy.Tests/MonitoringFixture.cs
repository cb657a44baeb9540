using Orrery.Contracts.Cluster;
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
    /// tensor round trip, and an unfinished PCA run. The workload counters exist from silo start (at 0) without any work.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var client = Cluster.Client;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            client.GetGrain<IEchoGrain>($"warm-{i}").EchoAsync(new EchoRequest { Text = "warm" })));
        var silos = await client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        await Task.WhenAll(silos.Select(from => LoadAsync(client, from, silos.First(s => s != from), "warm", new LoadRequest { Target = from.Address, Calls = 200, Concurrency = 4, Keys = 8 })));
        await client.GetGrain<ITensorGrain>("warm-tensor").RoundTripAsync(new TensorRoundTripRequest { Bytes = 1 << 16, PeerKey = "warm-tensor-peer" });

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
    }

    /// <summary>Runs <paramref name="request"/> from a load grain placed on <paramref name="from"/> at echo grains on <paramref name="to"/>.</summary>
    internal static Task<LoadReply> LoadAsync(Orleans.IClusterClient client, ClusterSiloInfo from, ClusterSiloInfo to, string key, LoadRequest request)
    {
        using (Orrery.Cluster.Placement.PlacementHint.On(from.Address))
        {
            return client.GetGrain<ILoadGrain>($"{key}-{from.Name}").RunAsync(request with { Target = to.Address, KeyPrefix = $"{key}-{to.Name}" });
        }
    }
}
