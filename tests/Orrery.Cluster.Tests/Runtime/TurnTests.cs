using Orrery.Contracts.Diagnostics;

namespace Orrery.Cluster.Tests.Runtime;

public sealed class TurnTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task NonInterleavedTurnsNeverOverlap()
    {
        var grain = fixture.Cluster.Client.GetGrain<ITurnProbeGrain>("serial");
        var replies = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ =>
            grain.TurnAsync(new EchoRequest { DelayMs = 5 }, CancellationToken.None)));
        Assert.Equal(1, replies.Max(r => r.Calls));
    }

    [Fact]
    public async Task InterleavedTurnsDoOverlap()
    {
        // The control for the test above: the same probe sees overlap when the method is interleaved,
        // so a runtime that let turns overlap would fail NonInterleavedTurnsNeverOverlap.
        var grain = fixture.Cluster.Client.GetGrain<ITurnProbeGrain>("interleaved");
        var replies = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ =>
            grain.InterleavedTurnAsync(new EchoRequest { DelayMs = 50 }, CancellationToken.None)));
        Assert.True(replies.Max(r => r.Calls) > 1, "interleaved calls never overlapped");
    }

    [Fact]
    public async Task InterleavedMethodAnswersWhileATurnIsRunning()
    {
        var grain = fixture.Cluster.Client.GetGrain<IEchoGrain>("peek-while-busy");
        var slow = grain.EchoAsync(new EchoRequest { Text = "slow", DelayMs = 1500 }, CancellationToken.None);
        await Task.Delay(100);
        var peek = await grain.PeekAsync(new EchoRequest { Text = "peek" }, CancellationToken.None);
        Assert.False(slow.IsCompleted, "the peek waited for the slow turn");
        Assert.Equal("peek", peek.Text);
        await slow;
    }
}
