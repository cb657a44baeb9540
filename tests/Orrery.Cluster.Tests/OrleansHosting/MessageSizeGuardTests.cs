using System.Diagnostics;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>
/// A request or a result over Orleans's 100 MiB message limit fails at once where it starts, naming the limit, instead
/// of the connection being dropped and the caller waiting out the 30 s response timeout; the cluster keeps serving.
/// </summary>
public sealed class MessageSizeGuardTests
{
    [Fact]
    public async Task OversizedRequestsAndResultsFailFastNamingTheLimit()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync([0, 0]);
        var grain = cluster.Client.GetGrain<IPayloadGrain>(1);
        Assert.Equal(8 << 20, await grain.TakeAsync(new byte[8 << 20]));

        var clock = Stopwatch.StartNew();
        var request = await Assert.ThrowsAsync<MessageTooLargeException>(() => grain.TakeAsync(new byte[101 << 20]));
        Assert.Contains("the request of", request.Message);
        Assert.Contains("over Orleans's MaxMessageBodySize of 104,857,600 bytes", request.Message);
        Assert.Contains("tensor channel", request.Message);

        var requestSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var result = await Assert.ThrowsAsync<MessageTooLargeException>(() => grain.GiveAsync(101 << 20));
        Assert.Contains("the result of", result.Message);
        Assert.True(requestSeconds + clock.Elapsed.TotalSeconds < 10, $"the refusals took {requestSeconds:F1} s and {clock.Elapsed.TotalSeconds:F1} s; Orleans's response timeout is 30 s");

        // Nothing was torn down: the same grain and client still answer.
        Assert.Equal(1000, (await grain.GiveAsync(1000)).Length);
    }

    [Fact]
    public void TheEstimateIsALowerBoundOfTheSerializedSize()
    {
        Assert.Equal(0, MessageSizeGuard.Estimate(null));
        Assert.Equal(1000, MessageSizeGuard.Estimate(new byte[1000]));
        Assert.Equal(4000, MessageSizeGuard.Estimate(new float[1000]));
        Assert.Equal(1000, MessageSizeGuard.Estimate(new long[1000])); // varints: at least a byte each
        Assert.Equal(5, MessageSizeGuard.Estimate("hello"));
        Assert.Equal(3000, MessageSizeGuard.Estimate(new List<byte[]> { new byte[1000], new byte[2000] }));
        var reply = new Contracts.MetricGraphs.SamplingCounts { Occupation = new long[500], ExitCounts = new long[20] };
        Assert.Equal(520, MessageSizeGuard.Estimate(reply));
    }
}
