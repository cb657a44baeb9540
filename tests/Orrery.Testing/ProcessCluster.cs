using Orleans;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;

namespace Orrery.Testing;

/// <summary>Three (or more) silo processes sharing a Redis membership table under a cluster id of their own.</summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];

    public ProcessCluster(RedisServer redis)
    {
        Redis = redis;
        ClusterId = $"it-{Guid.NewGuid():N}"[..12];
    }

    public RedisServer Redis { get; }

    public string ClusterId { get; }

    public string Secret { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>An Orleans client connected to the silos' gateways at start.</summary>
    public OrleansClientConnection Connection { get; private set; } = null!;

    /// <summary>The client of <see cref="Connection"/>.</summary>
    public IClusterClient Client => Connection.Client;

    public static Task<ProcessCluster> StartAsync(RedisServer redis, int silos = 3, params string[] extraArgs) =>
        StartAsync(redis, silos, _ => extraArgs);

    /// <summary>Starts <paramref name="silos"/> silos, silo i with the extra arguments <paramref name="argumentsFor"/>(i).</summary>
    public static async Task<ProcessCluster> StartAsync(RedisServer redis, int silos, Func<int, string[]> argumentsFor)
    {
        ArgumentNullException.ThrowIfNull(argumentsFor);
        var cluster = new ProcessCluster(redis);
        try
        {
            for (var i = 0; i < silos; i++)
            {
                cluster.StartSilo($"silo-{i}", FreePort.Next(), FreePort.Next(), argumentsFor(i));
            }

            await Task.WhenAll(cluster._silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(60))));
            cluster.Connection = await cluster.ConnectOrleansAsync();
            await cluster.WaitForActiveAsync(silos, TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public SiloProcess StartSilo(string name, int port, int httpPort, params string[] extraArgs)
    {
        var silo = SiloProcess.Start(name, port, httpPort, Redis.ConnectionString, ClusterId, Secret, extraArgs);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>A new Orleans client of the cluster (gateways of the live silos, the cluster's ids).</summary>
    public Task<OrleansClientConnection> ConnectOrleansAsync() =>
        OrleansClientConnection.ConnectAsync([.. _silos.Where(s => !s.HasExited).Select(s => s.OrleansGateway)], null, ClusterId, "orrery", TimeSpan.FromSeconds(30));

    /// <summary>Waits until the cluster's membership, as a silo answers it, lists exactly <paramref name="count"/> active silos.</summary>
    public async Task WaitForActiveAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var active = -1;
        while (true)
        {
            try
            {
                active = (await Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync().WaitAsync(TimeSpan.FromSeconds(5))).Length;
            }
            catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException)
            {
                active = -1;
            }

            if (active == count)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the cluster lists {active} active silos, not {count}, after {timeout.TotalSeconds}s:\n" +
                    string.Join("\n", _silos.Select(s => $"--- {s.Name}\n{s.Output}")));
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }
}
