using Orrery.Cluster.Hosting;

namespace Orrery.Cluster.Tests.Runtime;

/// <summary>
/// Shared deadline tokens, driven through <c>Sweep</c> with explicit times (the 8 ms timer also runs, but every
/// deadline below is far from the real clock, so only the explicit sweeps can reach them).
/// </summary>
public sealed class DeadlineTokensTests
{
    private static readonly long Far = Environment.TickCount64 + 3_600_000;

    [Fact]
    public void TokenFiresOnlyOnceItsSlotHasPassed()
    {
        using var tokens = new DeadlineTokens();
        var token = tokens.Token(Far + 100);
        tokens.Sweep(Far + 90);
        Assert.False(token.IsCancellationRequested);
        tokens.Sweep(Far + 100 + (long)DeadlineTokens.Resolution.TotalMilliseconds);
        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void DeadlinesInOneSlotShareATokenAndLaterSlotsDoNot()
    {
        using var tokens = new DeadlineTokens();
        var slot = (long)DeadlineTokens.Resolution.TotalMilliseconds;
        var start = (Far / slot + 1) * slot;
        var first = tokens.Token(start + 1);
        var same = tokens.Token(start + slot);
        var later = tokens.Token(start + 10 * slot);
        Assert.Equal(first, same);
        Assert.NotEqual(first, later);

        tokens.Sweep(start + 2 * slot);
        Assert.True(first.IsCancellationRequested);
        Assert.False(later.IsCancellationRequested);

        // A slot asked for again after its sweep gets a fresh source, cancelled by the next sweep.
        var late = tokens.Token(start + 1);
        Assert.False(late.IsCancellationRequested);
        tokens.Sweep(start + 2 * slot);
        Assert.True(late.IsCancellationRequested);
    }

    [Fact]
    public void CancelAllCancelsEveryTokenAndEveryLaterOne()
    {
        using var tokens = new DeadlineTokens();
        var handedOut = tokens.Token(Far);
        tokens.CancelAll();
        Assert.True(handedOut.IsCancellationRequested);
        Assert.True(tokens.Stopped);
        Assert.True(tokens.Token(Far + 1000).IsCancellationRequested);
    }

    [Fact]
    public async Task TokenFiresOnTheRealClock()
    {
        using var tokens = new DeadlineTokens();
        var token = tokens.Token(Environment.TickCount64 + 50);
        var fired = new TaskCompletionSource();
        using var registration = token.Register(() => fired.TrySetResult());
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(token.IsCancellationRequested);
    }
}
