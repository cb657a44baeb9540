using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Diagnostics;

/// <summary>How <see cref="LoadDriver"/> paces and charges calls (what the runtime benchmark's figures mean).</summary>
public sealed class LoadDriverTests
{
    [Fact]
    public async Task OpenLoopChargesCallsHeldBehindASlowAnswerFromTheirDueTime()
    {
        // One call in flight at most, 100 calls/s: call 0 takes 300 ms, so calls 1..29 fall due while it is out and are
        // held. Counted from their due times they waited up to 290 ms (no coordinated omission); counted from their sends
        // they would look instant.
        var slow = new TaskCompletionSource();
        _ = Task.Delay(300).ContinueWith(_ => slow.SetResult(), TaskScheduler.Default);
        var measured = await LoadDriver.RunAsync(40, 1, 100, (i, _) => i == 0 ? slow.Task : Task.CompletedTask, CancellationToken.None);

        Assert.Equal(40, measured.LatenciesUs.Length);
        Assert.Equal(0, measured.Errors);
        Assert.True(measured.LatenciesUs.Count(us => us >= 100_000) >= 20, string.Join(", ", measured.LatenciesUs.Select(us => (us / 1000).ToString("F0"))));
        Assert.True(measured.PercentileUs(1.0) >= 250_000);
    }

    [Fact]
    public async Task OpenLoopKeepsTheOfferedRateAndCountsErrors()
    {
        // 200 calls at 1000 calls/s take at least 0.199 s whatever the answers do (the load does not adapt), and a call
        // that throws, synchronously or not, is an error, not a stop.
        var measured = await LoadDriver.RunAsync(200, 16, 1000, (i, _) => i switch
        {
            3 => throw new InvalidOperationException("three"),
            5 => Task.FromException(new TimeoutException("five")),
            _ => Task.CompletedTask,
        }, CancellationToken.None);

        Assert.True(measured.Seconds >= 0.19, $"{measured.Seconds} s");
        Assert.Equal(2, measured.Errors);
        Assert.Equal("InvalidOperationException: three", measured.FirstError);
    }
}
