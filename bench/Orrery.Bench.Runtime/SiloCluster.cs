using System.Globalization;
using System.Security.Cryptography;
using Orleans;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Diagnostics;
using Orrery.Testing;

namespace Orrery.Bench.Runtime;

/// <summary>
/// A real redis-server and two real orrery-silo processes (<c>siloA</c>, <c>siloB</c>) clustered through Redis on
/// loopback, plus an Orleans client connected to their gateways.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    public const string NameA = "siloA";
    public const string NameB = "siloB";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly RedisServer _redis;
    private readonly List<ChildProcess> _silos = [];
    private readonly List<int> _httpPorts = [];
    private OrleansClientConnection? _connection;
    private Dictionary<string, ClusterSiloInfo> _byName = [];
    private IEchoGrain[]? _clientEchoes;

    private SiloCluster(RedisServer redis) => _redis = redis;

    public ChildProcess SiloA => _silos[0];

    public ChildProcess SiloB => _silos[1];

    public IClusterClient Client => _connection!.Client;

    public static async Task<SiloCluster> StartAsync(BenchOptions options, string logDirectory)
    {
        var cluster = new SiloCluster(await RedisServer.StartNewAsync());
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["ORRERY_Cluster__Secret"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
                ["ORRERY_Cluster__ClusterId"] = "bench",
                ["ORRERY_Logging__LogLevel__Default"] = "Warning",
            };
            var gateways = new List<string>();
            foreach (var name in new[] { NameA, NameB })
            {
                var gateway = FreePort.Next();
                var httpPort = FreePort.Next();
                string[] arguments =
                [
                    "--membership", "redis", "--redis", cluster._redis.ConnectionString, "--name", name, "--bind", "127.0.0.1",
                    "--port", Text(FreePort.Next()), "--gateway-port", Text(gateway), "--tensor-port", "0", "--http-port", Text(httpPort),
                ];
                cluster._silos.Add(ChildProcess.Start(name, options.SiloPath, arguments, environment, logDirectory));
                gateways.Add($"127.0.0.1:{gateway}");
                cluster._httpPorts.Add(httpPort);
            }

            for (var i = 0; i < cluster._silos.Count; i++)
            {
                await WaitReadyAsync(cluster._silos[i], cluster._httpPorts[i]);
            }

            cluster._connection = await OrleansClientConnection.ConnectAsync(gateways, null, "bench", "orrery", ReadyTimeout);
            await cluster.WaitConnectedAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Asks a load grain placed on <paramref name="from"/> to make <paramref name="calls"/> echo calls at
    /// <paramref name="keys"/> echo grains placed on <paramref name="to"/>, <paramref name="concurrency"/> in flight, paced
    /// at <paramref name="rate"/> calls/s (0: closed loop).
    /// </summary>
    public Task<LoadReply> RunLoadAsync(string from, string to, int calls, int concurrency, double rate = 0, int keys = 64)
    {
        using (PlacementHint.On(_byName[from].Address))
        {
            return Client.GetGrain<ILoadGrain>($"bench-{from}-{to}").RunAsync(new LoadRequest
            {
                Target = _byName[to].Address,
                Calls = calls,
                Concurrency = concurrency,
                Rate = rate,
                Keys = keys,
                KeyPrefix = $"bench-{to}",
            });
        }
    }

    /// <summary>
    /// <paramref name="keys"/> echo grains for the client route, placed alternately on silo A and silo B (checked by
    /// the silo each answers from), so the client's calls go through both gateways and every call crosses processes.
    /// </summary>
    public async Task<IEchoGrain[]> ClientEchoGrainsAsync(int keys)
    {
        if (_clientEchoes?.Length == keys)
        {
            return _clientEchoes;
        }

        var echoes = new IEchoGrain[keys];
        for (var k = 0; k < keys; k++)
        {
            var silo = k % 2 == 0 ? NameA : NameB;
            echoes[k] = Client.GetGrain<IEchoGrain>($"bench-client-{keys}-{k}");
            EchoReply reply;
            using (PlacementHint.On(_byName[silo].Address))
            {
                reply = await echoes[k].PeekAsync(new EchoRequest { Text = "warm" });
            }

            if (reply.Silo != silo)
            {
                throw new InvalidOperationException($"echo grain {k} meant for {silo} was placed on {reply.Silo}: calls would not cross processes as planned");
            }
        }

        return _clientEchoes = echoes;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
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

    /// <summary>Waits until the cluster lists both silos and each silo reaches the other's grains.</summary>
    private async Task WaitConnectedAsync()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            _byName = (await Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync()).ToDictionary(s => s.Name);
            if (_byName.ContainsKey(NameA) && _byName.ContainsKey(NameB))
            {
                var ab = await RunLoadAsync(NameA, NameB, 50, 4);
                var ba = await RunLoadAsync(NameB, NameA, 50, 4);
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
