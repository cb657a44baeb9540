using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Tensors;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Tests.Transport;

/// <summary>
/// A large payload that arrives in small pieces, as it does over a link slower than the reader. The channel reads such a
/// payload with a receive low-water mark (so the kernel wakes it once per 256 KiB rather than once per packet); these tests
/// show that the mark never stalls a read: the payload's last piece, shorter than the mark, completes it, and a small frame
/// right after it on the same connection is answered at once (the mark is back at one byte).
/// </summary>
public sealed class TensorPortSlowPayloadTests : IAsyncLifetime
{
    private const string Secret = "slow-payload-secret";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TensorChannel _owner = null!;

    private int Port => int.Parse(_owner.Endpoint.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

    public Task InitializeAsync()
    {
        _owner = new TensorChannel(
            new TensorChannelOptions { Secret = Secret, BindAddress = "127.0.0.1", Port = 0, ConnectTimeout = TimeSpan.FromSeconds(1) },
            new TensorChannelIdentity("owner", 1, null), NullLoggerFactory.Instance);
        _owner.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _owner.DisposeAsync();

    [Theory]
    [InlineData(600 * 1024 + 12, 8 * 1024)] // 75 pieces; 88 KiB left after the last full 256 KiB
    [InlineData(300 * 1024, 100 * 1024)] // three pieces, none a multiple of the mark
    [InlineData(512 * 1024, 256 * 1024)] // ends exactly on the mark
    public async Task APushThatTricklesInIsStoredWhole_AndTheNextSmallFrameIsAnsweredAtOnce(int bytes, int piece)
    {
        var payload = new byte[bytes];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i * 31 + (i >> 9));
        }

        await using var raw = await RawFrameClient.ConnectAsync(Port, "orrery", Secret);
        await raw.SendAsync(
            new FrameHeader { Kind = FrameKind.TensorPush, CorrelationId = 1, TimeoutMs = 10_000 },
            new TensorPushRequest { ElementType = 1 }.ToByteArray(), bytes, default);
        for (var offset = 0; offset < bytes; offset += piece)
        {
            await raw.Stream.WriteAsync(payload.AsMemory(offset, Math.Min(piece, bytes - offset)));
            await raw.Stream.FlushAsync();
            await Task.Delay(2);
        }

        var (pushed, pushReply) = await raw.ReceiveAsync(Wait);
        Assert.Equal(CallStatus.Ok, pushed.Status);
        var reply = TensorPushReply.Parser.ParseFrom(pushReply);

        // A small frame on the same connection: with the mark left above its size the owner would never wake for it.
        await raw.SendAsync(
            new FrameHeader { Kind = FrameKind.TensorFetch, CorrelationId = 2, TimeoutMs = 5000 },
            new TensorFetchRequest { Id = reply.Id, Generation = reply.Generation }.ToByteArray(), 0, default);
        var (fetched, _, bytesBack) = await raw.ReceiveWithPayloadAsync(Wait);
        Assert.Equal(CallStatus.Ok, fetched.Status);
        Assert.Equal(payload, bytesBack);
    }
}
