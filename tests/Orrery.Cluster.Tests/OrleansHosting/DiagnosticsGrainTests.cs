using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Diagnostics;
using Orrery.Contracts.Tensors;
using Orrery.Diagnostics;
using Orrery.Testing;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>
/// The diagnostics grains on a real three-silo Orleans cluster: what <c>orrery demo</c>, <c>orrery ping</c>, the
/// benchmarks and the monitoring tests rely on (call spread, chains across silos, interleaving, tensor round trips by
/// reference, load pinned to a target silo, a ping placed on a chosen silo).
/// </summary>
public sealed class DiagnosticsGrainTests : IAsyncLifetime
{
    private OrleansEmbeddedCluster _cluster = null!;

    private IClusterClient Client => _cluster.Client;

    public async Task InitializeAsync() => _cluster = await OrleansEmbeddedCluster.StartAsync([0, 0, 0]);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task TheDiagnosticJobSpreadsCalls_CrossesEverySiloInItsChain_AndMovesATensorToAnotherSiloAndBack()
    {
        var result = await DiagnosticJob.RunAsync(Client, 3000, 4 << 20, CancellationToken.None);
        Assert.Equal(3000, result.CallsPerSilo.Values.Sum());
        Assert.Equal(3, result.CallsPerSilo.Count);
        Assert.Equal(12, result.ChainSilos.Count);
        Assert.Equal(3, result.ChainSilos.Distinct().Count());
        Assert.True(result.Tensor.Intact);
        Assert.Equal(4 << 20, result.Tensor.Bytes);
        Assert.NotEqual(result.Tensor.Silo, result.Tensor.PeerSilo);
    }

    [Fact]
    public async Task AnEchoGrainCountsItsCalls_AndPeekRunsWhileALongEchoHoldsTheActivation()
    {
        var grain = Client.GetGrain<IEchoGrain>($"peek-{Guid.NewGuid():N}");
        var first = await grain.EchoAsync(new EchoRequest { Text = "a" });
        Assert.Equal(1, first.Calls);
        var slow = grain.EchoAsync(new EchoRequest { Text = "slow", DelayMs = 5000 });
        // A peek that answers while the slow echo waits out its delay ran interleaved with it.
        var peek = await Eventually.ValueAsync(
            () => grain.PeekAsync(new EchoRequest { Text = "peek" }).WaitAsync(TimeSpan.FromSeconds(5)),
            p => p.Delaying == 1,
            TimeSpan.FromSeconds(4),
            "no peek answered while the slow echo held the activation: [AlwaysInterleave] is not in effect");
        Assert.False(slow.IsCompleted, "the slow echo finished before a peek saw it in progress");
        Assert.Equal("peek", peek.Text);
        Assert.Equal(first.ActivatedAtMs, peek.ActivatedAtMs);
        Assert.Equal(first.Silo, (await slow).Silo);
    }

    [Fact]
    public async Task LoadFromOneSiloLandsOnTheTargetSilo_AndReportsItsPercentiles()
    {
        var silos = await Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        var target = silos[2];
        LoadReply reply;
        using (PlacementHint.On(silos[0].Address))
        {
            reply = await Client.GetGrain<ILoadGrain>($"load-{Guid.NewGuid():N}").RunAsync(new LoadRequest
            {
                Target = target.Address,
                Calls = 2000,
                Concurrency = 16,
                Keys = 8,
                KeyPrefix = $"target-{Guid.NewGuid():N}",
            });
        }

        Assert.Equal(2000, reply.Calls);
        Assert.Equal(0, reply.Errors);
        Assert.Equal([target.Name], reply.AnsweredBy);
        Assert.True(reply.P50Us > 0 && reply.P50Us <= reply.P99Us && reply.P99Us <= reply.MaxUs, $"p50 {reply.P50Us}, p99 {reply.P99Us}, max {reply.MaxUs}");

        var bad = await Assert.ThrowsAsync<ArgumentException>(() =>
            Client.GetGrain<ILoadGrain>("bad-load").RunAsync(new LoadRequest { Target = target.Address, Calls = 0, Concurrency = 1 }));
        Assert.Contains("calls", bad.Message);
    }

    [Fact]
    public async Task APingGrainGoesToTheSiloTheClientNames_OnEverySilo()
    {
        var silos = await Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
        Assert.Equal(3, silos.Length);
        foreach (var silo in silos)
        {
            SiloWhere where;
            using (PlacementHint.On(silo.Address))
            {
                where = await Client.GetGrain<IPingGrain>(Random.Shared.NextInt64()).WhereAsync();
            }

            Assert.Equal(silo.Address, where.Address);
            Assert.Equal(silo.Name, where.Name);
        }
    }

    [Fact]
    public async Task ATensorWhoseChecksumDoesNotMatchIsRefusedByThePeer_NamingItsOwner()
    {
        var owner = _cluster.TensorChannel(0);
        var tensor = owner.Put(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            Client.GetGrain<ITensorGrain>($"peer-{Guid.NewGuid():N}").EchoAsync(new TensorEchoRequest { Tensor = tensor, Checksum = 42 }));
        Assert.Contains("wrong checksum", error.Message);
        Assert.Contains(tensor.Endpoint, error.Message);
    }

    /// <summary>
    /// The tensor channel's typed errors cross grain calls as themselves (workloads recover from them by type): a grain
    /// whose fetch finds the tensor gone, or its owner unreachable, fails its caller with that type and message, not
    /// with a serializer's complaint about the type.
    /// </summary>
    [Fact]
    public async Task TheTensorChannelsTypedErrorsReachTheCallerAsThemselves()
    {
        var owner = _cluster.TensorChannel(0);
        var released = owner.Put(new byte[] { 1, 2, 3 });
        Assert.True(await owner.ReleaseAsync(released));
        var notFound = await Assert.ThrowsAsync<TensorNotFoundException>(() =>
            Client.GetGrain<ITensorGrain>($"peer-{Guid.NewGuid():N}").EchoAsync(new TensorEchoRequest { Tensor = released, Checksum = 0 }));
        Assert.Contains(released.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), notFound.Message);

        // An owner no one listens for (port 1 on loopback).
        var unreachable = new TensorRef { Endpoint = "127.0.0.1:1", Generation = released.Generation, Id = 7, Length = 3, ElementType = released.ElementType };
        var gone = await Assert.ThrowsAsync<TensorOwnerUnavailableException>(() =>
            Client.GetGrain<ITensorGrain>($"peer-{Guid.NewGuid():N}").EchoAsync(new TensorEchoRequest { Tensor = unreachable, Checksum = 0 }));
        Assert.Contains("127.0.0.1:1", gone.Message);
    }
}
