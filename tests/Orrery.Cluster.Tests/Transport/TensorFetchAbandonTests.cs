using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Tensors;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tests.Transport;

/// <summary>
/// A fetch into the caller's array that is given up while its payload is arriving (cancelled, or past the transfer
/// deadline). The owner here is a stand-in that speaks the wire protocol and stalls halfway through the payload until
/// the test lets it go on; the rest of that payload, and then a second fetch's answer, arrive on the same connection
/// after the first fetch has thrown. Before the connection learnt to cut a payload off, the rest was read into the
/// caller's array after its fetch had failed.
/// </summary>
public sealed class TensorFetchAbandonTests
{
    private const string Secret = "abandon-test-secret";
    private const long OwnerGeneration = 77;
    private const int Elements = 1 << 20; // 4 MiB of float32: the first half is 8 chunks of the 256 KiB read mark
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnAbandonedFetchWritesNothingIntoTheArrayAfterItThrows_AndTheConnectionServesTheNextFetch(bool byDeadline)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var goOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource(Wait * 2);
        var owner = ServeAsync(listener, goOn.Task, stop.Token);

        await using var channel = new TensorChannel(
            new TensorChannelOptions
            {
                Secret = Secret,
                BindAddress = "127.0.0.1",
                Port = 0,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                ConnectionsPerPeer = 1,
                // The deadline also bounds the next fetch, which first skips the rest of the abandoned payload: 1 s
                // was too little for its 6 MiB on two cores busy with other test projects (a CI-like run failed so).
                TransferTimeout = byDeadline ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(15),
            },
            new TensorChannelIdentity("reader", 5, null), NullLoggerFactory.Instance);
        channel.Start();

        var destination = new float[Elements];
        Array.Fill(destination, -1f);
        using var cancel = new CancellationTokenSource();
        var fetch = channel.FetchIntoAsync(Ref(port, 1), destination, cancel.Token);

        // The payload has begun to arrive: the call is receiving into the array when it is given up.
        var deadline = DateTime.UtcNow + Wait;
        while (Volatile.Read(ref destination[0]) != 1f)
        {
            Assert.True(DateTime.UtcNow < deadline, "the owner's first bytes never reached the array");
            await Task.Delay(5);
        }

        if (byDeadline)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => fetch.WaitAsync(Wait));
        }
        else
        {
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch.WaitAsync(Wait));
        }

        var whenItThrew = (float[])destination.Clone();
        goOn.SetResult();

        // The owner now sends the rest of the first payload (all 2s), then the whole answer to this fetch (all 3s).
        var again = new float[Elements];
        await channel.FetchIntoAsync(Ref(port, 2), again).WaitAsync(Wait);
        Assert.True(again.All(x => x == 3f), "the next fetch on the same connection did not get its own bytes");

        Assert.True(whenItThrew.AsSpan().SequenceEqual(destination), "the abandoned fetch's array changed after the fetch threw");
        Assert.DoesNotContain(2f, destination);
        Assert.Equal(1, await owner.WaitAsync(Wait));
    }

    /// <summary>
    /// Many fetches in flight on one connection to a real owner, every third cancelled after a random short delay (before
    /// its request goes out, while its payload arrives, or after it ended): each fetch that completes holds its own
    /// tensor's bytes, each cancelled one throws a cancellation and nothing else, and the connection serves a fetch
    /// afterwards. A payload cut off at the wrong place would put the next frame out of step and fail the rest.
    /// </summary>
    [Fact]
    public async Task CancellationsAmongManyFetchesKeepTheConnectionInFrame()
    {
        var options = new TensorChannelOptions { Secret = Secret, BindAddress = "127.0.0.1", Port = 0, ConnectTimeout = TimeSpan.FromSeconds(2), ConnectionsPerPeer = 1 };
        await using var owner = new TensorChannel(options, new TensorChannelIdentity("owner", 11, null), NullLoggerFactory.Instance);
        await using var reader = new TensorChannel(options, new TensorChannelIdentity("reader", 12, null), NullLoggerFactory.Instance);
        owner.Start();
        reader.Start();
        var tensors = Enumerable.Range(0, 8).Select(t => owner.Put(Enumerable.Range(0, 256 * 1024).Select(i => (float)((t * 7919) + i)).ToArray())).ToArray();
        var random = new Random(5);
        var fetches = new List<Task<(int Tensor, float[]? Values)>>();
        for (var i = 0; i < 120; i++)
        {
            var t = i % tensors.Length;
            var cancel = i % 3 == 0 ? new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 40))) : null;
            fetches.Add(FetchAsync(t, cancel));
        }

        async Task<(int Tensor, float[]? Values)> FetchAsync(int t, CancellationTokenSource? cancel)
        {
            var destination = new float[256 * 1024];
            try
            {
                await reader.FetchIntoAsync(tensors[t], destination, cancel?.Token ?? default).WaitAsync(Wait);
                return (t, destination);
            }
            catch (OperationCanceledException) when (cancel is not null)
            {
                return (t, null);
            }
            finally
            {
                cancel?.Dispose();
            }
        }

        var results = await Task.WhenAll(fetches);
        Assert.True(results.Count(r => r.Values is not null) >= 80, "the fetches that were not cancelled did not all complete");
        Assert.True(results.Any(r => r.Values is null), "no fetch was cancelled before it ended");
        foreach (var (t, values) in results.Where(r => r.Values is not null))
        {
            var stored = await owner.FetchAsync<float>(tensors[t]);
            Assert.True(values!.AsSpan().SequenceEqual(stored), $"a fetch of tensor {t} holds other bytes");
        }

        var last = await reader.FetchAsync<float>(tensors[0]).WaitAsync(Wait);
        Assert.Equal(0f, last[0]);
        Assert.Equal(256 * 1024 - 1f, last[^1]);
    }

    private static TensorRef Ref(int port, ulong id) => new()
    {
        Endpoint = $"127.0.0.1:{port}",
        Generation = OwnerGeneration,
        Id = id,
        Length = Elements,
        ElementType = TensorElementType.Float32,
    };

    /// <summary>
    /// The stand-in owner: answers tensor 1 with half its payload (1s), waits for <paramref name="goOn"/>, sends the
    /// other half (2s); answers tensor 2 at once (3s). Returns how many connections it accepted.
    /// </summary>
    private static async Task<int> ServeAsync(TcpListener listener, Task goOn, CancellationToken cancellationToken)
    {
        using var tcp = await listener.AcceptTcpClientAsync(cancellationToken);
        var stream = tcp.GetStream();
        await Handshake.AcceptAsync(
            stream, "orrery", Encoding.UTF8.GetBytes(Secret), "stand-in owner", OwnerGeneration, 64 * 1024, TensorChannel.MaxTensorBytes,
            "the test's channel", cancellationToken);
        for (var served = 0; served < 2; served++)
        {
            var (header, message) = await ReadRequestAsync(stream, cancellationToken);
            var request = TensorFetchRequest.Parser.ParseFrom(message);
            var bytes = Elements * sizeof(float);
            await WriteResponseHeadAsync(stream, header.CorrelationId, bytes, cancellationToken);
            if (request.Id == 1)
            {
                await stream.WriteAsync(Floats(Elements / 2, 1f), cancellationToken);
                await goOn.WaitAsync(cancellationToken);
                await stream.WriteAsync(Floats(Elements / 2, 2f), cancellationToken);
            }
            else
            {
                await stream.WriteAsync(Floats(Elements, 3f), cancellationToken);
            }
        }

        // A second connection would mean the first was given up rather than kept in frame.
        var accepted = 1;
        using var more = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        more.CancelAfter(TimeSpan.FromMilliseconds(200));
        try
        {
            using var extra = await listener.AcceptTcpClientAsync(more.Token);
            accepted++;
        }
        catch (OperationCanceledException)
        {
        }

        return accepted;
    }

    private static async Task<(FrameHeader Header, byte[] Message)> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[FramePrefix.Size];
        await stream.ReadExactlyAsync(prefix, cancellationToken);
        var head = new byte[BinaryPrimitives.ReadInt32LittleEndian(prefix)];
        var message = new byte[BinaryPrimitives.ReadInt32LittleEndian(prefix.AsSpan(4))];
        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(prefix.AsSpan(8)));
        await stream.ReadExactlyAsync(head, cancellationToken);
        await stream.ReadExactlyAsync(message, cancellationToken);
        var header = FrameHeader.Parser.ParseFrom(head);
        Assert.Equal(FrameKind.TensorFetch, header.Kind);
        return (header, message);
    }

    private static async Task WriteResponseHeadAsync(NetworkStream stream, ulong correlationId, long payloadBytes, CancellationToken cancellationToken)
    {
        var head = new FrameHeader { Kind = FrameKind.Response, CorrelationId = correlationId, Status = CallStatus.Ok }.ToByteArray();
        var prefix = new byte[FramePrefix.Size];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, head.Length);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), 0);
        BinaryPrimitives.WriteInt64LittleEndian(prefix.AsSpan(8), payloadBytes);
        await stream.WriteAsync(prefix, cancellationToken);
        await stream.WriteAsync(head, cancellationToken);
    }

    private static byte[] Floats(int count, float value)
    {
        var bytes = new byte[count * sizeof(float)];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), value);
        }

        return bytes;
    }
}
