using System.Diagnostics;
using System.Net.Sockets;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Diagnostics;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>Bad input at the process boundary: config values, secrets, garbage bytes, the CLI. The silo stays healthy after each.</summary>
public sealed class HostInputTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("--port", "70000", "OrleansSilo:SiloPort is 70000")]
    [InlineData("--Silo:ShutdownGracePeriod", "banana", "Silo:ShutdownGracePeriod")]
    [InlineData("--OrleansSilo:DirectoryLeaseDuration", "-00:00:01", "OrleansSilo:DirectoryLeaseDuration is -1s; it must be 0 (no lease) or more")]
    [InlineData("--redis", "", "Membership:Redis:ConnectionString is empty")]
    [InlineData("--membership", "etcd", "Membership:Table is 'etcd'")]
    [InlineData("--Silo:Colour", "blue", "Colour")]
    [InlineData("--Compute:KernelSourceDirectory", "/nonexistent/orrery-kernels", "Compute:KernelSourceDirectory is '/nonexistent/orrery-kernels', which does not exist")]
    [InlineData("--Silo:KubernetesHosting", "true", "Silo:KubernetesHosting is true but the environment variable(s) POD_NAME, POD_NAMESPACE, POD_IP")]
    public async Task BadConfigValueStopsTheSiloWithExitCode2NamingTheSetting(string setting, string value, string expected)
    {
        var cluster = new ProcessCluster(fixture.Redis);
        await using var _ = cluster;
        var silo = cluster.StartSilo("bad-config", FreePort.Next(), FreePort.Next(), setting, value);
        Assert.Equal(2, await silo.WaitExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("configuration error", silo.Output);
        Assert.Contains(expected, silo.Output);
    }

    [SkippableFact]
    public async Task ASiloWithoutAGpuStartsAndSaysWhyInItsLog_AndOffersNoGpu()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 1);
        var silo = cluster.Silos[0];
        Skip.If(silo.Output.Contains("Devices: cuda:", StringComparison.Ordinal), "the silo found a GPU on this machine; CI has none");

        Assert.Contains("Devices: no GPU: ", silo.Output);
        Assert.Contains("computing on cpu", silo.Output);
        var offered = Assert.Single(await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync());
        Assert.Empty(offered.GpuDevices);
        Assert.Equal(Environment.ProcessorCount, offered.CpuCores);
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
    public async Task GarbageHugePrefixesAndHalfOpenConnectionsAtEveryPort_LeaveTheSiloServingWithinBoundedMemory()
    {
        var tensorPort = FreePort.Next();
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, 1, "--Tensors:Port", tensorPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var silo = cluster.Silos[0];
        await AssertServingAsync(cluster);
        var before = silo.ResidentBytes();
        var ports = new (string Name, int Port)[] { ("silo", silo.Port), ("gateway", silo.OrleansGatewayPort), ("tensor", tensorPort), ("http", silo.HttpPort) };
        foreach (var (name, port) in ports)
        {
            // An HTTP request where none is spoken, random bytes, and a frame prefix announcing a 1 TiB payload.
            var huge = new byte[64];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(huge, int.MaxValue);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(huge.AsSpan(8), 1L << 40);
            var random = new byte[4096];
            Random.Shared.NextBytes(random);
            foreach (var garbage in new[] { "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), random, huge })
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                try
                {
                    await tcp.GetStream().WriteAsync(garbage);
                }
                catch (IOException)
                {
                    // Reset by the silo before everything was written: refused just the same.
                }
            }

            Assert.False(silo.HasExited, $"after garbage at the {name} port:\n{silo.Output}");
        }

        // 200 connections that never say a word, spread over the Orleans and tensor ports, open while the silo serves.
        var halfOpen = new List<TcpClient>();
        for (var i = 0; i < 200; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", ports[i % 3].Port);
            halfOpen.Add(client);
        }

        await AssertServingAsync(cluster);
        foreach (var client in halfOpen)
        {
            client.Dispose();
        }

        await AssertServingAsync(cluster);
        Assert.Equal(200, await silo.HttpStatusAsync("/healthz"));
        Assert.Equal(200, await silo.HttpStatusAsync("/readyz"));
        // 212 refused connections cost socket buffers and a task each; 96 MiB is far above that and far below a
        // payload buffered for the 1 TiB prefix (which would fail the process outright).
        var grown = silo.ResidentBytes() - before;
        Assert.True(grown < 96L << 20, $"resident memory grew by {grown >> 20} MiB");
        await AssertPromtoolAcceptsAsync(await silo.HttpGetAsync("/metrics"));
    }

    [Fact]
    public async Task ClientCommandsListAndPingTheSilos_AndExplainABadAddressAndADownCluster()
    {
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, silos: 2);
        var silo = cluster.Silos[0];

        var (ok, okOutput) = await RunClientAsync("silos", "-g", silo.OrleansGateway, "--cluster-id", cluster.ClusterId);
        Assert.True(ok == 0, okOutput);
        Assert.Contains("silo-0", okOutput);
        Assert.Contains("silo-1", okOutput);
        Assert.Contains("Active", okOutput);

        var (fromRedis, fromRedisOutput) = await RunClientAsync("silos", "--redis", fixture.Redis.ConnectionString, "--cluster-id", cluster.ClusterId);
        Assert.True(fromRedis == 0, fromRedisOutput);
        Assert.Contains("2 active", fromRedisOutput);

        var (pingCode, pingOutput) = await RunClientAsync("ping", "-g", silo.OrleansGateway, "--cluster-id", cluster.ClusterId);
        Assert.True(pingCode == 0, pingOutput);
        Assert.Contains("silo-0", pingOutput);
        Assert.Contains("silo-1", pingOutput);

        var (badAddress, badAddressOutput) = await RunClientAsync("ping", "-g", "127.0.0.1:notaport");
        Assert.Equal(1, badAddress);
        Assert.Contains("'127.0.0.1:notaport' is not host:port", badAddressOutput);

        foreach (var s in cluster.Silos)
        {
            await s.TerminateAsync(TimeSpan.FromSeconds(30));
        }

        var (down, downOutput) = await RunClientAsync("ping", "-g", silo.OrleansGateway, "--cluster-id", cluster.ClusterId, "--timeout", "5");
        Assert.Equal(1, down);
        Assert.Contains(silo.OrleansGateway, downOutput);
    }

    [Fact]
    public async Task TimeoutBoundsTheEmbeddedClustersStartAndLeavesNoOutput()
    {
        // No gateway or Redis named: `orrery run` starts an embedded cluster, and --timeout is its deadline too.
        var folder = Directory.CreateTempSubdirectory("orrery-timeout-").FullName;
        try
        {
            var spec = Path.Combine(folder, "star.yaml");
            await File.WriteAllTextAsync(spec, """
                kind: sampling
                graph: {generator: star, lengths: [1, 0.5], weights: [0.5, 0.5], leaves: absorbing}
                particles: 1000
                dt: 0.001
                end_time: 1
                initial: {vertex: c}
                """);
            var output = Path.Combine(folder, "out");
            var environment = new Dictionary<string, string> { ["ORRERY_GATEWAY"] = "", ["ORRERY_ORLEANS_GATEWAY"] = "", ["ORRERY_REDIS"] = "" };
            var (code, text) = await Executables.RunClientAsync(TimeSpan.FromSeconds(60), environment, "run", spec, "--out", output, "--timeout", "0.5");
            Assert.True(code == 1, text);
            Assert.Contains("did not start within 0.5 s (--timeout)", System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " "));
            Assert.False(Directory.Exists(output), "a run that never started left its output folder");
            Assert.Equal(["star.yaml"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task AssertServingAsync(ProcessCluster cluster) =>
        Assert.Equal("ok", (await cluster.Client.GetGrain<IEchoGrain>($"health-{Guid.NewGuid():N}").EchoAsync(new EchoRequest { Text = "ok" }).WaitAsync(TimeSpan.FromSeconds(30))).Text);

    internal static async Task AssertPromtoolAcceptsAsync(string metrics)
    {
        var (code, output) = await Promtool.CheckMetricsAsync(metrics);
        Assert.True(code == 0, $"promtool check metrics failed:\n{output}");
        Assert.Equal("", output);
    }

    private static Task<(int Code, string Output)> RunClientAsync(params string[] args) =>
        Executables.RunClientAsync(TimeSpan.FromSeconds(60), args);
}
