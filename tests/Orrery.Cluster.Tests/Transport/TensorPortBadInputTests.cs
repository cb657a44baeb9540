using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Tensors;
using Orrery.Cluster.Tests.Tensors;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Tests.Transport;

/// <summary>
/// Frames no well-behaved peer sends to a tensor channel, after a correct handshake (the handshake's own refusals and
/// garbage before it are in <see cref="TensorChannelTests"/>): each closes or answers only that connection, and the
/// owner keeps serving (checked after each case with a fetch from another channel).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class TensorPortBadInputTests : IAsyncLifetime
{
    private const string Secret = "bad-input-secret";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TensorChannel _owner = null!;
    private TensorChannel _peer = null!;

    private int Port => int.Parse(_owner.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

    public Task InitializeAsync()
    {
        _owner = Start("owner", 1);
        _peer = Start("peer", 2);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _owner.DisposeAsync();
    }

    [Fact]
    public async Task AMessageThatDoesNotDecodeClosesTheConnection_AndAGoodFetchStillWorksOnANewOne()
    {
        await using (var raw = await ConnectAsync())
        {
            // 0x0A 0x7F: field 1 with length 127, but one byte follows: not a TensorFetchRequest.
            await raw.SendAsync(new FrameHeader { Kind = FrameKind.TensorFetch, CorrelationId = 1, TimeoutMs = 5000 }, new byte[] { 0x0A, 0x7F, 0x01 }, 0, default);
            Assert.True(await raw.ClosedByPeerAsync(Wait));
        }

        var tensor = _owner.Put(new float[] { 1, 2, 3 });
        await using var good = await ConnectAsync();
        await SendFetchAsync(good, 2, tensor.Id, tensor.Generation);
        var (header, _) = await good.ReceiveAsync(Wait);
        Assert.Equal(CallStatus.Ok, header.Status);
        await AssertServingAsync();
    }

    [Fact]
    public async Task AFetchOfATensorNeverPutIsNotFound_NamingIt()
    {
        await using var raw = await ConnectAsync();
        await SendFetchAsync(raw, 3, 0xDEAD, 1);
        var (header, _) = await raw.ReceiveAsync(Wait);
        Assert.Equal(CallStatus.NotFound, header.Status);
        Assert.Contains("dead", header.Error, StringComparison.OrdinalIgnoreCase);
        await AssertServingAsync();
    }

    [Fact]
    public async Task ATruncatedFrameClosesOnlyThatConnection()
    {
        await using (var raw = await ConnectAsync())
        {
            var prefix = new byte[16];
            BinaryPrimitives.WriteInt32LittleEndian(prefix, 40);
            BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), 100);
            await raw.Stream.WriteAsync(prefix);
            await raw.Stream.WriteAsync(new byte[10]);
        }

        await AssertServingAsync();
    }

    [Fact]
    public async Task AHeaderThatDoesNotDecodeClosesTheConnection()
    {
        await using var raw = await ConnectAsync();
        var prefix = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, 4);
        await raw.Stream.WriteAsync(prefix);
        await raw.Stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
        Assert.True(await raw.ClosedByPeerAsync(Wait));
        await AssertServingAsync();
    }

    [Fact]
    public async Task APushLargerThanAnArrayIsRefusedBeforeItIsRead()
    {
        await using var raw = await ConnectAsync();
        await raw.SendAsync(
            new FrameHeader { Kind = FrameKind.TensorPush, CorrelationId = 7, TimeoutMs = 5000 },
            new TensorPushRequest { ElementType = 1 }.ToByteArray(), 64L << 30, default);
        var (header, _) = await raw.ReceiveAsync(Wait);
        Assert.Equal(7UL, header.CorrelationId);
        Assert.Equal(CallStatus.PayloadTooLarge, header.Status);
        Assert.Contains("exceeds", header.Error);
        Assert.True(await raw.ClosedByPeerAsync(Wait));
        await AssertServingAsync();
    }

    [Fact]
    public async Task AStrayResponseIsIgnored_AsALateAnswerWouldBe_AndTheConnectionKeepsServing()
    {
        await using var raw = await ConnectAsync();
        await raw.SendAsync(new FrameHeader { Kind = FrameKind.Response, CorrelationId = 9 }, default, 0, default);
        var tensor = _owner.Put(new float[] { 8 });
        await SendFetchAsync(raw, 10, tensor.Id, tensor.Generation);
        var (header, _) = await raw.ReceiveAsync(Wait);
        Assert.Equal(10UL, header.CorrelationId);
        Assert.Equal(CallStatus.Ok, header.Status);
        await AssertServingAsync();
    }

    private static Task SendFetchAsync(RawFrameClient raw, ulong correlation, ulong id, long generation) =>
        raw.SendAsync(
            new FrameHeader { Kind = FrameKind.TensorFetch, CorrelationId = correlation, TimeoutMs = 5000 },
            new TensorFetchRequest { Id = id, Generation = generation }.ToByteArray(), 0, default);

    private Task<RawFrameClient> ConnectAsync() => RawFrameClient.ConnectAsync(Port, "orrery", Secret);

    private async Task AssertServingAsync()
    {
        var tensor = _owner.Put(new float[] { 4, 5, 6, 7 });
        var fetched = await _peer.FetchAsync<float>(tensor).WaitAsync(Wait);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, fetched);
    }

    private static TensorChannel Start(string name, long generation)
    {
        var channel = new TensorChannel(
            new TensorChannelOptions { Secret = Secret, BindAddress = "127.0.0.1", Port = 0, ConnectTimeout = TimeSpan.FromSeconds(1) },
            new TensorChannelIdentity(name, generation, null), NullLoggerFactory.Instance);
        channel.Start();
        return channel;
    }
}
