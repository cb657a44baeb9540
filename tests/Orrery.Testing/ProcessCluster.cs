using Orrery.Cluster.Client;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Silos;

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

    public ClusterClient Client { get; private set; } = null!;

    public static async Task<ProcessCluster> StartAsync(RedisServer redis, int silos = 3, params string[] extraArgs)
    {
        var cluster = new ProcessCluster(redis);
        try
        {
            for (var i = 0; i < silos; i++)
            {
                cluster.StartSilo($"silo-{i}", FreePort.Next(), FreePort.Next(), extraArgs);
            }

            await Task.WhenAll(cluster._silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(60))));
            cluster.Client = await cluster.ConnectClientAsync();
            await cluster.WaitForActiveAsync(silos, TimeSpan.FromSeconds(10));
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

    public Task<ClusterClient> ConnectClientAsync(string? secret = null) =>
        ClusterClient.ConnectAsync(new ClusterClientOptions
        {
            Gateways = [.. _silos.Where(s => !s.HasExited).Select(s => s.Endpoint)],
            Cluster = new ClusterOptions { ClusterId = ClusterId, Secret = secret ?? Secret, DefaultCallTimeout = TimeSpan.FromSeconds(5) },
        });

    /// <summary>An Orleans client of the silos' Orleans side (gateways of the live silos, the cluster's ids).</summary>
    public Task<OrleansClientConnection> ConnectOrleansAsync() =>
        OrleansClientConnection.ConnectAsync([.. _silos.Where(s => !s.HasExited).Select(s => s.OrleansGateway)], null, ClusterId, "orrery", TimeSpan.FromSeconds(30));

    /// <summary>Waits until the client's view lists exactly <paramref name="count"/> Active silos.</summary>
    public async Task WaitForActiveAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Client.View.Active.Count != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"client view has {Client.View.Active.Count} Active silos, not {count}, after {timeout.TotalSeconds}s:\n" +
                    string.Join("\n", _silos.Select(s => $"--- {s.Name}\n{s.Output}")));
            }

            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }
}
