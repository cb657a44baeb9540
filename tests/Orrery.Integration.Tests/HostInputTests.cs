using System.Diagnostics;
using System.Net.Sockets;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Membership;
using Orrery.Cluster.Membership.Redis;
using Orrery.Contracts.Diagnostics;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>Bad input at the process boundary: config values, secrets, garbage bytes, the CLI. The silo stays healthy after each.</summary>
public sealed class HostInputTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("--port", "70000", "Silo:Port is 70000")]
    [InlineData("--Membership:HeartbeatPeriod", "banana", "Membership:HeartbeatPeriod")]
    [InlineData("--membership", "etcd", "Membership:Table is 'etcd'")]
    [InlineData("--Silo:Colour", "blue", "Colour")]
    [InlineData("--Compute:KernelSourceDirectory", "/nonexistent/orrery-kernels", "Compute:KernelSourceDirectory is '/nonexistent/orrery-kernels', which does not exist")]
    public async Task BadConfigValueStopsTheSiloWithExitCode2NamingTheSetting(string setting, string value, string expected)
    {
        var cluster = new ProcessCluster(fixture.Redis);
        await using var _ = cluster;
        var silo = cluster.StartSilo("bad-config", FreePort.Next(), FreePort.Next(), setting, value);
        Assert.Equal(2, await silo.WaitExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("configuration error", silo.Output);
        Assert.Contains(expected, silo.Output);
    }

    [Fact]
    public async Task ASiloWithoutAGpuStartsAndSaysWhyInItsLogAndItsMembershipRow()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 1);
        var silo = cluster.Silos[0];
        if (silo.Output.Contains("Devices: cuda:", StringComparison.Ordinal))
        {
            return; // a machine with a GPU; CI has none
        }

        Assert.Contains("Devices: no GPU: ", silo.Output);
        await using var table = await RedisMembershipTable.ConnectAsync(
            new RedisMembershipOptions { ConnectionString = fixture.Redis.ConnectionString, ClusterId = cluster.ClusterId }, CancellationToken.None);
        var row = Assert.Single((await table.ReadAllAsync(CancellationToken.None)).Silos, s => s.Status == SiloStatus.Active);
        Assert.Empty(row.Capabilities.Gpus);
        Assert.StartsWith("no GPU: ", row.Capabilities.DeviceNote);
        Assert.Contains("computing on cpu", row.Capabilities.DeviceNote);
    }

    [Fact]
    public async Task AnExplicitGpuThatIsNotThereStopsTheSiloWithTheReason()
    {
        var cluster = new ProcessCluster(fixture.Redis);
        await using var _ = cluster;
        var silo = cluster.StartSilo("no-gpu", FreePort.Next(), FreePort.Next(), "--device", "cuda:7");
        Assert.Equal(1, await silo.WaitExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("orrery-silo: device cuda:7 was asked for but", silo.Output);
    }

    [Fact]
    public async Task MissingSecretIsNamed()
    {
        var cluster = new ProcessCluster(fixture.Redis);
        await using var _ = cluster;
        var silo = SiloProcess.Start("no-secret", FreePort.Next(), FreePort.Next(), fixture.Redis.ConnectionString, cluster.ClusterId, secret: "");
        await using var __ = silo;
        Assert.Equal(2, await silo.WaitExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Cluster:Secret is empty", silo.Output);
    }

    [Fact]
    public async Task BadInputLeavesTheSiloProcessHealthyAndMetricsValid()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 1, "--Cluster:MaxPayloadBytes", "1048576");
        var silo = cluster.Silos[0];

        // Wrong secret.
        await Assert.ThrowsAsync<ClusterUnauthorizedException>(() => cluster.ConnectClientAsync(secret: "wrong"));
        Assert.Equal(200, await silo.HttpStatusAsync("/healthz"));

        // An HTTP request on the transport port, then raw garbage.
        foreach (var garbage in new[] { "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3 } })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", silo.Port);
            await tcp.GetStream().WriteAsync(garbage);
            var buffer = new byte[4096];
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                while (await tcp.GetStream().ReadAsync(buffer, limit.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
                // Reset by the silo: closed just the same.
            }

            Assert.Equal(200, await silo.HttpStatusAsync("/healthz"));
        }

        // Oversized payload: the client refuses to send it (the silo's limit came in the handshake).
        var limitError = await Assert.ThrowsAsync<PayloadTooLargeException>(() => cluster.Client.GetGrain<ITensorGrain>("big")
            .RoundTripAsync(new TensorRequest { Payload = new byte[2 << 20] }, CancellationToken.None));
        Assert.Contains("Cluster:MaxPayloadBytes", limitError.Message);
        Assert.Equal(200, await silo.HttpStatusAsync("/healthz"));

        // Still serving, and /metrics passes promtool with the calls counted.
        Assert.Equal("ok", (await cluster.Client.GetGrain<IEchoGrain>("after").EchoAsync(new EchoRequest { Text = "ok" }, CancellationToken.None)).Text);
        var metrics = await silo.HttpGetAsync("/metrics");
        Assert.Contains("orrery_grain_calls_total{", metrics);
        Assert.Contains("orrery_transport_handshake_failures_total", metrics);
        Assert.Contains("orrery_membership_silos{status=\"Active\"} 1", metrics);
        await AssertPromtoolAcceptsAsync(metrics);
    }

    [Fact]
    public async Task ClientCommandsExplainWrongAddressWrongSecretAndDownCluster()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 1);
        var silo = cluster.Silos[0];

        var (ok, okOutput) = await RunClientAsync("silos", "-g", silo.Endpoint, "--secret", cluster.Secret, "--cluster-id", cluster.ClusterId);
        Assert.True(ok == 0, okOutput);
        Assert.Contains("silo-0", okOutput);
        Assert.Contains("Active", okOutput);

        var (pingCode, pingOutput) = await RunClientAsync("ping", "-g", silo.Endpoint, "--secret", cluster.Secret, "--cluster-id", cluster.ClusterId);
        Assert.True(pingCode == 0, pingOutput);
        Assert.Contains("silo-0", pingOutput);

        var (badAddress, badAddressOutput) = await RunClientAsync("ping", "-g", "127.0.0.1:notaport", "--secret", cluster.Secret);
        Assert.Equal(1, badAddress);
        Assert.Contains("'127.0.0.1:notaport' is not a silo address", badAddressOutput);

        var (wrongSecret, wrongSecretOutput) = await RunClientAsync("silos", "-g", silo.Endpoint, "--secret", "wrong", "--cluster-id", cluster.ClusterId);
        Assert.Equal(1, wrongSecret);
        Assert.Contains("not authorised", wrongSecretOutput);

        await silo.TerminateAsync(TimeSpan.FromSeconds(20));
        var (down, downOutput) = await RunClientAsync("ping", "-g", silo.Endpoint, "--secret", cluster.Secret, "--cluster-id", cluster.ClusterId);
        Assert.Equal(1, down);
        Assert.Contains("cluster unreachable", downOutput);
        Assert.Contains(silo.Endpoint, downOutput);
    }

    internal static async Task AssertPromtoolAcceptsAsync(string metrics)
    {
        var (code, output) = await Promtool.CheckMetricsAsync(metrics);
        Assert.True(code == 0, $"promtool check metrics failed:\n{output}");
        Assert.Equal("", output);
    }

    private static Task<(int Code, string Output)> RunClientAsync(params string[] args) =>
        Executables.RunClientAsync(TimeSpan.FromSeconds(60), args);
}
