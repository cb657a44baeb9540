using System.Runtime.InteropServices;
using Orrery.Cluster.Grains;
using Orrery.Cluster.Tests.Runtime;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Diagnostics;
using Orrery.Contracts.Grains;
using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Transport;

/// <summary>Receives tensors with and without <c>[BorrowsPayload]</c>, keeps one, and reports the memory behind a payload.</summary>
[GrainType("test.payload-keeper")]
public interface IPayloadKeeperGrain : IGrain
{
    /// <summary>Keeps the payload (it owns it) and answers its checksum.</summary>
    Task<TensorReply> KeepAsync(TensorRequest request, CancellationToken cancellationToken);

    /// <summary>Sends back the kept payload.</summary>
    Task<TensorReply> ReturnKeptAsync(TensorRequest request, CancellationToken cancellationToken);

    /// <summary>Answers the length of the array behind the payload (received_bytes) and the payload's checksum.</summary>
    Task<TensorReply> InspectOwnedAsync(TensorRequest request, CancellationToken cancellationToken);

    /// <summary>The same, for a borrowed payload.</summary>
    [BorrowsPayload]
    Task<TensorReply> InspectBorrowedAsync(TensorRequest request, CancellationToken cancellationToken);

    /// <summary>Breaks the promise: keeps a borrowed payload (for the poison test only).</summary>
    [BorrowsPayload]
    Task<TensorReply> KeepBorrowedAsync(TensorRequest request, CancellationToken cancellationToken);
}

public sealed class PayloadKeeperGrain : Grain, IPayloadKeeperGrain
{
    private ReadOnlyMemory<byte> _kept;

    public Task<TensorReply> KeepAsync(TensorRequest request, CancellationToken cancellationToken)
    {
        _kept = request.Payload;
        return Task.FromResult(new TensorReply { Checksum = TensorChecksum.Compute(_kept.Span), ReceivedBytes = _kept.Length });
    }

    public Task<TensorReply> KeepBorrowedAsync(TensorRequest request, CancellationToken cancellationToken) =>
        KeepAsync(request, cancellationToken);

    public Task<TensorReply> ReturnKeptAsync(TensorRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new TensorReply { Payload = _kept, ReceivedBytes = _kept.Length });

    public Task<TensorReply> InspectOwnedAsync(TensorRequest request, CancellationToken cancellationToken) => Inspect(request);

    public Task<TensorReply> InspectBorrowedAsync(TensorRequest request, CancellationToken cancellationToken) => Inspect(request);

    private static Task<TensorReply> Inspect(TensorRequest request) =>
        Task.FromResult(new TensorReply
        {
            ReceivedBytes = MemoryMarshal.TryGetArray(request.Payload, out var segment) ? segment.Array!.Length : -1,
            Checksum = TensorChecksum.Compute(request.Payload.Span),
        });
}

/// <summary>A grain method that borrows a payload its request cannot carry.</summary>
[GrainType("test.bad-borrow")]
public interface IBadBorrowGrain : IGrain
{
    [BorrowsPayload]
    Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Pooled receive buffers (<c>[BorrowsPayload]</c>): only borrowing methods get them, an owned payload is never
/// reused under a grain that keeps it, and a lent buffer is not reused before the reply that echoes it is written.
/// Every call comes from the cluster client, so every payload crosses the loopback transport.
/// </summary>
public sealed class PayloadLeaseTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task OnlyBorrowingMethodsReceiveLargePayloadsInPooledMemory()
    {
        var grain = fixture.Cluster.Client.GetGrain<IPayloadKeeperGrain>("inspect");
        const int size = 1_000_000; // not a power of two: a pooled array is longer than the payload
        var data = Fill(size, 7);
        var borrowed = await grain.InspectBorrowedAsync(new TensorRequest { Payload = data }, CancellationToken.None);
        var owned = await grain.InspectOwnedAsync(new TensorRequest { Payload = data }, CancellationToken.None);
        var small = await grain.InspectBorrowedAsync(new TensorRequest { Payload = Fill(1000, 8) }, CancellationToken.None);

        Assert.Equal(TensorChecksum.Compute(data), borrowed.Checksum);
        Assert.Equal(TensorChecksum.Compute(data), owned.Checksum);
        Assert.Equal(1 << 20, borrowed.ReceivedBytes); // ArrayPool's bucket for 1,000,000 bytes
        Assert.Equal(size, owned.ReceivedBytes);
        Assert.Equal(1000, small.ReceivedBytes); // below PayloadPool.MinimumBytes: always an array of its own
    }

    [Fact]
    public async Task KeptPayloadIsNotReusedByLaterBorrowedTraffic()
    {
        var client = fixture.Cluster.Client;
        var keeper = client.GetGrain<IPayloadKeeperGrain>("keeper");
        var kept = Fill(3 << 20, 1);
        var checksum = TensorChecksum.Compute(kept);
        Assert.Equal(checksum, (await keeper.KeepAsync(new TensorRequest { Payload = kept }, CancellationToken.None)).Checksum);

        // Borrowed tensors of the same size class through every silo, the keeper's included, with other contents.
        await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            var data = Fill(3 << 20, 100 + i);
            var reply = await client.GetGrain<ITensorGrain>($"lease-{i}").RoundTripAsync(
                new TensorRequest { Checksum = TensorChecksum.Compute(data), ReplyBytes = -1, Payload = data }, CancellationToken.None);
            Assert.Equal(data.Length, reply.ReceivedBytes);
        }));

        var back = await keeper.ReturnKeptAsync(new TensorRequest(), CancellationToken.None);
        Assert.Equal(kept.Length, back.Payload.Length);
        Assert.Equal(checksum, TensorChecksum.Compute(back.Payload.Span));
    }

    [Fact]
    public async Task EchoedBorrowedPayloadsStayIntactUnderConcurrency()
    {
        var client = fixture.Cluster.Client;

        // 96 echoes of 1-3 MiB, 32 at a time over 8 grains: if a lent buffer went back to the pool before the echo was
        // written, a later request would overwrite it in flight and the echo's checksum would differ.
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, 96).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var data = Fill((1 << 20) + (i % 3) * (1 << 20) + i * 4096, 1000 + i);
                var checksum = TensorChecksum.Compute(data);
                var reply = await client.GetGrain<ITensorGrain>($"echo-{i % 8}").RoundTripAsync(
                    new TensorRequest { Checksum = checksum, ReplyBytes = 0, Payload = data }, CancellationToken.None);
                Assert.Equal(data.Length, reply.Payload.Length);
                Assert.Equal(checksum, TensorChecksum.Compute(reply.Payload.Span));
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    [Fact]
    public async Task PoisonShowsAGrainThatKeepsABorrowedPayload()
    {
        // Process-wide, and harmless to the other tests: only memory nobody may read any more is filled.
        PayloadPool.PoisonReturned = true;
        var keeper = fixture.Cluster.Client.GetGrain<IPayloadKeeperGrain>("promise-breaker");
        var data = Fill(300_000, 5); // the 512 KiB class, which no other test in this assembly uses
        await keeper.KeepBorrowedAsync(new TensorRequest { Payload = data }, CancellationToken.None);

        // The lease went back (and was poisoned) once the reply was written, before this second call arrived.
        var kept = await keeper.ReturnKeptAsync(new TensorRequest(), CancellationToken.None);
        Assert.Equal(data.Length, kept.Payload.Length);
        Assert.NotEqual(TensorChecksum.Compute(data), TensorChecksum.Compute(kept.Payload.Span));
        Assert.All(kept.Payload.ToArray().Take(4096), b => Assert.Equal(PayloadPool.Poison, b));
    }

    [Fact]
    public void BorrowingAPayloadTheRequestCannotCarryIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => GrainInterface.Describe(typeof(IBadBorrowGrain)));
        Assert.Contains("IBadBorrowGrain.EchoAsync", error.Message);
        Assert.Contains("[BorrowsPayload]", error.Message);
    }

    private static byte[] Fill(int size, long seed)
    {
        var data = new byte[size];
        TensorChecksum.Fill(data, seed);
        return data;
    }
}

/// <summary>The pool itself. Sizes here (the 256 KiB class) are used by no other test in this assembly.</summary>
public sealed class PayloadPoolTests
{
    [Fact]
    public void ReturnedArrayIsRentedAgainUntilATrimDropsIt()
    {
        var first = PayloadPool.Rent(200_000);
        Assert.Equal(1 << 18, first.Length);
        PayloadPool.Return(first);
        var second = PayloadPool.Rent(150_000);
        Assert.Same(first, second);

        PayloadPool.Return(second);
        PayloadPool.Trim(long.MaxValue);
        Assert.NotSame(first, PayloadPool.Rent(140_000));
    }

    [Fact]
    public void OnlySizesWithAClassArePooled()
    {
        Assert.False(PayloadPool.Pools(PayloadPool.MinimumBytes - 1));
        Assert.True(PayloadPool.Pools(PayloadPool.MinimumBytes));
        Assert.True(PayloadPool.Pools(PayloadPool.MaximumBytes));
        Assert.False(PayloadPool.Pools(PayloadPool.MaximumBytes + 1));

        // An array the pool did not hand out (not a power of two) is not kept.
        var before = PayloadPool.RetainedBytes;
        PayloadPool.Return(new byte[300_000]);
        Assert.True(PayloadPool.RetainedBytes <= before);
    }
}
