using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Testing;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// Two Orleans silo processes (this program's <c>orleans-silo</c> mode, silo A the primary) and an Orleans client in
/// this process, with a tensor source and a tensor reader grain pinned on each silo by placement hint.
/// </summary>
internal sealed class OrleansTensorCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly List<ChildProcess> _silos = [];
    private IHost? _client;

    public ChildProcess SiloA => _silos[0];

    public ChildProcess SiloB => _silos[1];

    public ITensorSourceGrain SourceA { get; private set; } = null!;

    public ITensorSourceGrain SourceB { get; private set; } = null!;

    public ITensorReaderGrain ReaderA { get; private set; } = null!;

    public ITensorReaderGrain ReaderB { get; private set; } = null!;

    public static async Task<OrleansTensorCluster> StartAsync(int maxMessageBodyMiB, string logDirectory)
    {
        var cluster = new OrleansTensorCluster();
        try
        {
            var environment = new Dictionary<string, string> { ["Tensors__Secret"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)) };
            var siloPorts = new[] { FreePort.Next(), FreePort.Next() };
            var gatewayPorts = new[] { FreePort.Next(), FreePort.Next() };
            var addresses = new SiloAddress[2];
            for (var i = 0; i < 2; i++)
            {
                var name = i == 0 ? "A" : "B";
                string[] arguments =
                [
                    "orleans-silo", "--name", name, "--silo-port", Text(siloPorts[i]), "--gateway-port", Text(gatewayPorts[i]),
                    "--primary-port", Text(siloPorts[0]), "--max-body-mib", Text(maxMessageBodyMiB),
                ];
                var silo = ChildProcess.StartSelf($"orleans-silo-{name}", arguments, environment, logDirectory);
                cluster._silos.Add(silo);

                // B joins through A (the primary), so A must be up first.
                var ready = await silo.ReadLineAsync(ReadyTimeout);
                addresses[i] = ready.StartsWith("ready ", StringComparison.Ordinal)
                    ? SiloAddress.FromParsableString(ready[6..])
                    : throw new InvalidOperationException($"silo {name} said '{ready}'; see {silo.LogPath}");
            }

            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleansClient(client =>
            {
                client.UseLocalhostClustering(gatewayPorts, OrleansTensorBenchmark.ServiceId, OrleansTensorBenchmark.ClusterId);
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = OrleansTensorBenchmark.CallTimeout);
            });
            cluster._client = builder.Build();
            await cluster._client.StartAsync();
            var grains = cluster._client.Services.GetRequiredService<IClusterClient>();
            (cluster.SourceA, cluster.ReaderA) = await PlaceAsync(grains, "A", addresses[0]);
            (cluster.SourceB, cluster.ReaderB) = await PlaceAsync(grains, "B", addresses[1]);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        // B first: A is the primary.
        for (var i = _silos.Count - 1; i >= 0; i--)
        {
            await _silos[i].DisposeAsync();
        }
    }

    /// <summary>Activates the source and the reader grain keyed <paramref name="key"/> on <paramref name="silo"/> and checks they are there.</summary>
    private static async Task<(ITensorSourceGrain, ITensorReaderGrain)> PlaceAsync(IClusterClient grains, string key, SiloAddress silo)
    {
        using var hint = PlacementHint.On(silo);
        var source = grains.GetGrain<ITensorSourceGrain>(key);
        var reader = grains.GetGrain<ITensorReaderGrain>(key);
        var (sourceSilo, readerSilo) = (await source.SiloAsync(), await reader.SiloAsync());
        if (!sourceSilo.Equals(silo) || !readerSilo.Equals(silo))
        {
            throw new InvalidOperationException($"grains '{key}' were placed on {sourceSilo} and {readerSilo}, not on {silo} as hinted");
        }

        return (source, reader);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
