using System.Security.Cryptography;

namespace Orrery.Deploy.Tests;

/// <summary>
/// What the Dockerfiles put in the images: the output of scripts/publish-silo.sh and
/// scripts/publish-client.sh (scripts/test.sh runs both into artifacts/publish before the tests),
/// run the way the images' entrypoints run it.
/// </summary>
[Collection(LiveSilosCollection.Name)]
public sealed class PublishedImagePayloadTests
{
    private static readonly string Published = Path.Combine(ExternalTool.RepositoryRoot, "artifacts", "publish");

    [Fact]
    public async Task PublishedSiloServesAndThePublishedClientReachesIt()
    {
        var siloDll = Require(Path.Combine(Published, "silo", "orrery-silo.dll"), "publish-silo.sh");
        var clientDll = Require(Path.Combine(Published, "client", "orrery.dll"), "publish-client.sh");
        Assert.True(File.Exists(Path.Combine(Published, "silo", "appsettings.json")), "appsettings.json is not in the published silo");

        await using var redis = await RedisServer.StartNewAsync();
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using var silo = SiloProcess.StartFrom(siloDll, "published-0", FreePort.Next(), FreePort.Next(), redis.ConnectionString, "published", secret);
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(60));

        // The image's HEALTHCHECK, from the publish output.
        var health = await ExternalTool.RunAsync("bash", [Path.Combine(Published, "silo", "healthcheck.sh"), silo.HttpPort.ToString()], "bash is part of Debian");
        Assert.True(health.ExitCode == 0, health.Output);

        // The client image's entrypoint is `dotnet /app/orrery.dll`.
        var ping = await ExternalTool.RunAsync("dotnet", [clientDll, "ping", "-g", silo.OrleansGateway, "--cluster-id", "published"], "the .NET SDK runs the tests");
        Assert.True(ping.ExitCode == 0, $"{ping.Output}\nsilo:\n{silo.Output}");
        Assert.Contains("published-0", ping.Stdout);
    }

    private static string Require(string path, string script) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run scripts/{script} (scripts/test.sh does, before the tests)");
}
