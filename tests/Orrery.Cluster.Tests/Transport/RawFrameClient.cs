using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Tests.Transport;

/// <summary>Speaks the wire protocol byte by byte, so tests can send what a well-behaved member never would.</summary>
internal sealed class RawFrameClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawFrameClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public NetworkStream Stream => _stream;

    public static async Task<RawFrameClient> ConnectAsync(int port, string clusterId, string? secret)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawFrameClient(tcp);
        if (secret is not null)
        {
            await Handshake.ConnectAsync(client._stream, clusterId, Encoding.UTF8.GetBytes(secret), "client", "raw-test", "test silo", CancellationToken.None);
        }

        return client;
    }

    public async Task SendAsync(FrameHeader header, ReadOnlyMemory<byte> message, long payloadLength, ReadOnlyMemory<byte> payload)
    {
        var head = header.ToByteArray();
        var prefix = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, head.Length);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), message.Length);
        BinaryPrimitives.WriteInt64LittleEndian(prefix.AsSpan(8), payloadLength);
        await _stream.WriteAsync(prefix);
        await _stream.WriteAsync(head);
        await _stream.WriteAsync(message);
        await _stream.WriteAsync(payload);
    }

    public async Task<(FrameHeader Header, byte[] Message)> ReceiveAsync(TimeSpan timeout)
    {
        var (header, message, _) = await ReceiveWithPayloadAsync(timeout);
        return (header, message);
    }

    public async Task<(FrameHeader Header, byte[] Message, byte[] Payload)> ReceiveWithPayloadAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var prefix = new byte[16];
        await _stream.ReadExactlyAsync(prefix, cancel.Token);
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        var messageLength = BinaryPrimitives.ReadInt32LittleEndian(prefix.AsSpan(4));
        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(prefix.AsSpan(8));
        var head = new byte[headerLength];
        await _stream.ReadExactlyAsync(head, cancel.Token);
        var message = new byte[messageLength];
        await _stream.ReadExactlyAsync(message, cancel.Token);
        var payload = new byte[payloadLength];
        await _stream.ReadExactlyAsync(payload, cancel.Token);
        return (FrameHeader.Parser.ParseFrom(head), message, payload);
    }

    /// <summary>True when the silo closed the connection (read returns 0 bytes) within the timeout.</summary>
    public async Task<bool> ClosedByPeerAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, cancel.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
