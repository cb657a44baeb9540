using System.Globalization;
using System.Security.Cryptography;
using Orrery.Cluster.Client;
using Orrery.Cluster.Configuration;
using Orrery.Contracts.Diagnostics;
using Orrery.Testing;

namespace Orrery.Bench.Runtime;

/// <summary>
/// A real redis-server and two real orrery-silo processes (<c>siloA</c>, <c>siloB</c>) with Redis
/// membership on loopback, plus a client connected to them.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    public const string NameA = "siloA";
    public const string NameB = "siloB";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly RedisServer _redis;
    private readonly List<ChildProcess> _silos = [];
    private readonly List<int> _httpPorts = [];

    private SiloCluster(RedisServer redis) => _redis = redis;

    public ChildProcess SiloA => _silos[0];

    public ChildProcess SiloB => _silos[1];

    public ClusterClient Client { get; private set; } = null!;

    public static async Task<SiloCluster> StartAsync(BenchOptions options, string logDirectory)
    {
        var cluster = new SiloCluster(await RedisServer.StartNewAsync());
        try
        {
            var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var environment = new Dictionary<string, string>
            {
                ["ORRERY_Cluster__Secret"] = secret,
                ["ORRERY_Cluster__ClusterId"] = "bench",
                ["ORRERY_Logging__LogLevel__Default"] = "Warning",
            };
            if (options.ConnectionsPerPeer > 0)
            {
                environment["ORRERY_Cluster__ConnectionsPerPeer"] = options.ConnectionsPerPeer.ToString(CultureInfo.InvariantCulture);
            }

            var gateways = new List<string>();
            foreach (var name in new[] { NameA, NameB })
            {
                var port = FreePort.Next();
                var httpPort = FreePort.Next();
                string[] arguments =
                [
                    "--membership", "redis", "--redis", cluster._redis.ConnectionString, "--name", name,
                    "--bind", "127.0.0.1", "--port", Text(port), "--http-port", Text(httpPort),
                ];
                cluster._silos.Add(ChildProcess.Start(name, options.SiloPath, arguments, environment, logDirectory));
                gateways.Add($"127.0.0.1:{port}");
                cluster._httpPorts.Add(httpPort);
            }

            for (var i = 0; i < cluster._silos.Count; i++)
            {
                await WaitReadyAsync(cluster._silos[i], cluster._httpPorts[i]);
            }

            cluster.Client = await ClusterClient.ConnectAsync(new ClusterClientOptions
            {
                Gateways = gateways,
                Name = "orrery-bench",
                Cluster = new ClusterOptions { ClusterId = "bench", Secret = secret, DefaultCallTimeout = TimeSpan.FromMinutes(10) },
            });
            await cluster.WaitConnectedAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks the load grain on <paramref name="from"/> to drive load at grains pinned on <paramref name="to"/>.</summary>
    public Task<LoadReply> RunLoadAsync(string from, string to, LoadRequest request)
    {
        request.TargetSilo = to;
        return Client.GetGrain<ILoadGrain>($"bench-{from}-{to}", from).RunAsync(request, CancellationToken.None);
    }

    /// <summary>Calls of <paramref name="grainType"/> the silo has served, from its <c>orrery_grain_calls_total</c> series.</summary>
    public async Task<double> ServedCallsAsync(string silo, string grainType)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{_httpPorts[silo == NameA ? 0 : 1]}/metrics");
        return metrics.Split('\n')
            .Where(l => l.StartsWith("orrery_grain_calls_total{", StringComparison.Ordinal) && l.Contains($"\"{grainType}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            silo.Kill();
            await silo.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    private static async Task WaitReadyAsync(ChildProcess silo, int httpPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (silo.HasExited)
            {
                throw new InvalidOperationException($"{silo.Name} exited during start; see {silo.LogPath}:{Environment.NewLine}{silo.LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/readyz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{silo.Name} was not ready within {ReadyTimeout.TotalSeconds:0} s; see {silo.LogPath}");
    }

    /// <summary>Waits until the client sees both silos and each silo reaches the other's grains.</summary>
    private async Task WaitConnectedAsync()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (Client.View.Active.Count == 2)
            {
                var ab = await RunLoadAsync(NameA, NameB, new LoadRequest { Kind = "echo", Calls = 50, Concurrency = 4 });
                var ba = await RunLoadAsync(NameB, NameA, new LoadRequest { Kind = "echo", Calls = 50, Concurrency = 4 });
                if (ab.Errors == 0 && ba.Errors == 0)
                {
                    return;
                }

                last = ab.FirstError.Length > 0 ? ab.FirstError : ba.FirstError;
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"the two silos did not reach each other within {ReadyTimeout.TotalSeconds:0} s ({last})");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
