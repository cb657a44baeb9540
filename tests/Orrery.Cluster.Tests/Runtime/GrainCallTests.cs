using Orrery.Cluster.Errors;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Diagnostics;
using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Runtime;

public sealed class GrainCallTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task CallsReachTheOwnerComputedByRendezvousHashing()
    {
        var cluster = fixture.Cluster;
        var silosSeen = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            var key = $"route-{i}";
            var reply = await cluster.Client.GetGrain<IEchoGrain>(key).EchoAsync(new EchoRequest { Text = key }, CancellationToken.None);
            Assert.Equal(key, reply.Text);
            var reference = Cluster.Grains.GrainInterface.Describe(typeof(IEchoGrain));
            var owner = RendezvousPlacement.SelectOwner(new Cluster.Grains.GrainReference(new("diag.echo", key), reference, ""), cluster.Client.View);
            Assert.Equal(owner!.Name, reply.Silo);
            Assert.True(cluster.Silos.Single(s => s.Name == reply.Silo).HostsActivation("diag.echo", key));
            silosSeen.Add(reply.Silo);
        }

        // 60 keys over 3 equal silos: missing one silo entirely has probability 3*(2/3)^60 < 1e-10.
        Assert.Equal(3, silosSeen.Count);
    }

    [Fact]
    public async Task ChainCrossesSilosAndComesBack()
    {
        var keys = FindKeysOnDistinctSilos(3);
        var request = new ChainRequest();
        request.Keys.AddRange(keys);
        var reply = await fixture.Cluster.Client.GetGrain<IChainGrain>(keys[0]).ForwardAsync(request, CancellationToken.None);
        Assert.Equal(3, reply.Silos.Distinct().Count());
    }

    [Fact]
    public async Task CallCycleEndsWithAnErrorNamingTheChain()
    {
        var keys = FindKeysOnDistinctSilos(2);
        var request = new ChainRequest();
        request.Keys.AddRange([keys[0], keys[1], keys[0]]);
        var error = await Assert.ThrowsAsync<CallCycleException>(() =>
            fixture.Cluster.Client.GetGrain<IChainGrain>(keys[0]).ForwardAsync(request, CancellationToken.None));
        Assert.Contains($"diag.chain/{keys[0]} -> diag.chain/{keys[1]} -> diag.chain/{keys[0]}", error.Message);
    }

    [Fact]
    public async Task TensorOf64MegabytesRoundTripsIntact()
    {
        var data = new byte[64 << 20];
        TensorChecksum.Fill(data, 42);
        var checksum = TensorChecksum.Compute(data);
        var reply = await fixture.Cluster.Client.GetGrain<ITensorGrain>("t").RoundTripAsync(
            new TensorRequest { Checksum = checksum, Payload = data }, CancellationToken.None);
        Assert.Equal(data.Length, reply.ReceivedBytes);
        Assert.Equal(data.Length, reply.Payload.Length);
        Assert.Equal(checksum, TensorChecksum.Compute(reply.Payload.Span));
    }

    [Fact]
    public async Task LoadGrainSendsTensorsOneWayWhenNoReplyIsAsked()
    {
        var silos = fixture.Cluster.Silos;
        var reply = await fixture.Cluster.Client.GetGrain<ILoadGrain>("one-way", silos[0].Name).RunAsync(
            new LoadRequest { TargetSilo = silos[1].Name, Kind = "tensor", Calls = 4, Concurrency = 2, PayloadBytes = 1 << 20 }, CancellationToken.None);
        Assert.Equal(0, reply.Errors);
        Assert.Equal(4L << 20, reply.BytesSent);
        Assert.Equal(0, reply.BytesReceived);
    }

    [Fact]
    public async Task LoadGrainPacesAnOpenLoopAtTheAskedRate()
    {
        var silos = fixture.Cluster.Silos;
        var reply = await fixture.Cluster.Client.GetGrain<ILoadGrain>("paced", silos[0].Name).RunAsync(
            new LoadRequest { TargetSilo = silos[1].Name, Kind = "echo", Calls = 200, Concurrency = 16, Rate = 1000 }, CancellationToken.None);
        Assert.Equal(0, reply.Errors);

        // 200 calls due over 0.199 s; a paced run cannot finish before its last call is due.
        Assert.InRange(reply.Seconds, 0.19, 5);
        Assert.True(reply.P50Us > 0 && reply.P50Us <= reply.P99Us && reply.P99Us <= reply.MaxUs);
    }

    [Fact]
    public async Task UnknownGrainTypeIsATypedError()
    {
        var error = await Assert.ThrowsAsync<UnknownGrainTypeException>(() =>
            fixture.Cluster.Client.GetGrain<INotHostedGrain>("x").EchoAsync(new EchoRequest(), CancellationToken.None));
        Assert.Contains("test.not-hosted", error.Message);
    }

    private List<string> FindKeysOnDistinctSilos(int count)
    {
        var view = fixture.Cluster.Client.View;
        var chain = Cluster.Grains.GrainInterface.Describe(typeof(IChainGrain));
        var bySilo = new Dictionary<string, string>();
        for (var i = 0; bySilo.Count < count; i++)
        {
            var key = $"chain-{i}";
            var owner = RendezvousPlacement.SelectOwner(new Cluster.Grains.GrainReference(new("diag.chain", key), chain, ""), view)!;
            bySilo.TryAdd(owner.Name, key);
        }

        return [.. bySilo.Values];
    }
}

[Contracts.Grains.GrainType("test.not-hosted")]
public interface INotHostedGrain : Contracts.Grains.IGrain
{
    Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken);
}
