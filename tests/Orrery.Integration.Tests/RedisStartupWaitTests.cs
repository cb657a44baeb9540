using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// A real silo process started before its Redis exists: it waits with a log line naming Redis and the setting, and joins
/// once a real redis-server starts on that port; with nothing coming it gives up after Membership:Redis:StartupWait with
/// exit code 1. Catches a silo that crash-loops (exits at once) while Redis is not yet reachable, or waits silently.
/// </summary>
public sealed class RedisStartupWaitTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SiloStartedBeforeRedisWaitsWithALogLineAndJoinsWhenRedisComes()
    {
        await using var redis = new RedisServer(FreePort.Next());
        var clusterId = $"wait-{Guid.NewGuid():N}"[..16];
        await using var silo = SiloProcess.Start("silo-0", FreePort.Next(), FreePort.Next(), redis.ConnectionString, clusterId, "secret-0123456789",
            "--Membership:Redis:StartupWait", "00:01:00");

        // Two tries logged (the retry really loops) before Redis is started.
        await WaitForAsync(() => Count(silo.Output, "Waiting for Redis at") >= 2 || silo.HasExited, Deadline);
        Assert.False(silo.HasExited, $"the silo exited while Redis was not yet there:\n{silo.Output}");
        Assert.Contains($"127.0.0.1:{redis.Port}", silo.Output);
        Assert.Contains("Membership:Redis:StartupWait", silo.Output);

        await redis.StartAsync();
        await silo.WaitReadyAsync(Deadline);
        Assert.Contains("answers after", silo.Output);
    }

    [Fact]
    public async Task SiloGivesUpAfterTheStartupWaitNamingRedisAndTheSetting()
    {
        var port = FreePort.Next();
        await using var silo = SiloProcess.Start("silo-0", FreePort.Next(), FreePort.Next(), $"127.0.0.1:{port}", "wait-none", "secret-0123456789",
            "--Membership:Redis:StartupWait", "00:00:03");
        var code = await silo.WaitExitAsync(Deadline);
        Assert.Equal(1, code);
        Assert.Contains($"Redis at 127.0.0.1:{port} (Membership:Redis:ConnectionString) did not answer within Membership:Redis:StartupWait (00:00:03)", silo.Output);
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds} s");
            }

            await Task.Delay(100);
        }
    }
}
