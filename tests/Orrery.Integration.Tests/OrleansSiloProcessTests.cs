using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orrery.Contracts.Diagnostics;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// Three real <c>orrery-silo</c> processes clustered through Redis, and an Orleans client in the test process: grains spread over the silos, a kill -9 moves
/// the lost silo's grains to the others, and <c>/metrics</c> carries Orleans's counters and histograms through promtool.
/// </summary>
public sealed class OrleansSiloProcessTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GrainsSpreadOverSiloProcesses_AKilledSilosGrainsAnswerElsewhere_AndMetricsPassPromtool()
    {
        await using var cluster = new ProcessCluster(fixture.Redis);
        for (var i = 0; i < 3; i++)
        {
            StartOrleansSilo(cluster, $"silo-{i}");
        }

        await Task.WhenAll(cluster.Silos.Select(s => s.WaitReadyAsync(Deadline)));
        // The directory lease the test silos are given (OrleansSilo:DirectoryLeaseDuration) reaches Orleans, which logs its options.
        Assert.All(cluster.Silos, s => Assert.Contains("RangeLeaseDuration: 00:00:10", s.Output, StringComparison.Ordinal));

        using var client = await ConnectAsync(fixture.Redis.ConnectionString, cluster.ClusterId);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var where = await PingAsync(grains, 60);
        Assert.All(where, name => Assert.Contains(name, new[] { "silo-0", "silo-1", "silo-2" }));
        Assert.True(where.Distinct().Count() >= 2, $"60 grains all on {where[0]}");

        var metrics = await cluster.Silos[0].HttpGetAsync("/metrics");
        Assert.Contains("orleans_", metrics);
        Assert.Contains("_total", metrics);
        var (code, output) = await Promtool.CheckMetricsAsync(metrics);
        Assert.True(code == 0, $"promtool check metrics failed:\n{output}");

        var doomed = Array.IndexOf(where, "silo-2") >= 0 ? 2 : Array.IndexOf(where, "silo-1") >= 0 ? 1 : 0;
        cluster.Silos[doomed].Kill();
        var start = DateTime.UtcNow;
        string[] after = [];
        while (DateTime.UtcNow - start < Deadline)
        {
            try
            {
                after = [.. (await Task.WhenAll(Enumerable.Range(0, 60).Select(i => grains.GetGrain<IPingGrain>(i).WhereAsync())).WaitAsync(TimeSpan.FromSeconds(15))).Select(w => w.Name)];
                if (!after.Contains($"silo-{doomed}"))
                {
                    break;
                }
            }
            catch (Exception e) when (e is Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException or TimeoutException)
            {
                // Calls to the dead silo fail with these until membership declares it dead; then they are placed again.
            }

            await Task.Delay(250);
        }

        Assert.Equal(60, after.Length);
        Assert.DoesNotContain($"silo-{doomed}", after);
    }

    [Fact]
    public async Task RedisRestartedEmpty_SilosStopSayingWhy_AndRestartedSilosFormOneCluster()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var cluster = new ProcessCluster(redis);
        StartOrleansSilo(cluster, "silo-0");
        StartOrleansSilo(cluster, "silo-1");
        await Task.WhenAll(cluster.Silos.Select(s => s.WaitReadyAsync(Deadline)));

        // Redis comes back on the same port with nothing: Orleans's table (and its version row) is gone.
        await redis.StopAsync();
        await redis.StartAsync();

        // Each silo notices within two 5 s checks of the table, logs why, and stops with exit code 4 for its supervisor.
        var codes = await Task.WhenAll(cluster.Silos.Select(s => s.WaitExitAsync(Deadline)));
        Assert.All(codes, code => Assert.Equal(4, code));
        Assert.All(cluster.Silos, s => Assert.Contains("its row is gone from the Orleans membership table", s.Output));

        // What a supervisor does: start them again. They form one cluster, and a new client finds it.
        var restarted = new[] { StartOrleansSilo(cluster, "silo-0b"), StartOrleansSilo(cluster, "silo-1b") };
        await Task.WhenAll(restarted.Select(s => s.WaitReadyAsync(Deadline)));
        using var client = await ConnectAsync(redis.ConnectionString, cluster.ClusterId);
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var where = await PingAsync(grains, 40);
        Assert.Equal(["silo-0b", "silo-1b"], where.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ASecondSiloOnAnOrleansPortInUseFailsAtStartNamingTheSettings_AndTheFirstKeepsServing()
    {
        await using var cluster = new ProcessCluster(fixture.Redis);
        var siloPort = FreePort.Next();
        var first = StartOrleansSilo(cluster, "first", siloPort);
        await first.WaitReadyAsync(Deadline);

        var second = StartOrleansSilo(cluster, "second", siloPort);
        var code = await second.WaitExitAsync(Deadline);
        Assert.NotEqual(0, code);
        Assert.Contains($"OrleansSilo:SiloPort {siloPort} on 127.0.0.1 is in use", second.Output);
        Assert.DoesNotContain("Unhandled exception", second.Output);
        Assert.Equal(200, await first.HttpStatusAsync("/readyz"));
    }

    /// <summary>
    /// Pings grains 0..count-1. A silo is ready once Active in membership, a moment before Orleans opens its gateway
    /// port, so a client's first calls may find a gateway refusing; they are retried, as a client in production would.
    /// </summary>
    private static async Task<string[]> PingAsync(IClusterClient grains, int count)
    {
        var start = DateTime.UtcNow;
        while (true)
        {
            try
            {
                return [.. (await Task.WhenAll(Enumerable.Range(0, count).Select(i => grains.GetGrain<IPingGrain>(i).WhereAsync())).WaitAsync(TimeSpan.FromSeconds(15))).Select(w => w.Name)];
            }
            catch (Orleans.Runtime.Messaging.ConnectionFailedException) when (DateTime.UtcNow - start < Deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static SiloProcess StartOrleansSilo(ProcessCluster cluster, string name, int? siloPort = null) =>
        cluster.StartSilo(
            name, FreePort.Next(), FreePort.Next(),
            "--OrleansSilo:SiloPort", (siloPort ?? FreePort.Next()).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--OrleansSilo:GatewayPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--OrleansSilo:ProbeTimeout", "00:00:01",
            "--OrleansSilo:MissedProbesLimit", "2",
            "--Tensors:Port", "0");

    private static async Task<IHost> ConnectAsync(string redis, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            Microsoft.Extensions.Hosting.RedisClusteringIClientBuilderExtensions.UseRedisClustering(client, redis);
            client.Services.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "orrery";
            });
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(Deadline);
        return host;
    }
}
