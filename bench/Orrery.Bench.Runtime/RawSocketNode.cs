using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Orrery.Bench.Runtime;

/// <summary>
/// One end of the raw socket pair, the peer of the tensor benchmark: plain TCP on loopback, an
/// 8-byte length then the bytes, read into one reused buffer and acknowledged with one byte. No
/// framing work, no allocation per message: what two processes can move at best.
/// Commands on stdin, answers on stdout:
/// <c>connect HOST PORT</c> → <c>ok</c>;
/// <c>send BYTES COUNT INFLIGHT</c> → <c>ok SECONDS</c> (COUNT messages of BYTES, INFLIGHT unacknowledged at most);
/// <c>sink reuse|fresh</c> → <c>ok</c> (receive into the reused buffer, or into a new array per
/// message as the Orrery transport does, to show what fresh memory costs).
/// Starts by printing <c>ready PORT</c>; exits when stdin closes.
/// </summary>
internal static class RawSocketNode
{
    private static volatile bool _freshBuffers;

    public static async Task<int> RunAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _ = AcceptLoopAsync(listener);
        Console.WriteLine($"ready {((IPEndPoint)listener.LocalEndPoint!).Port}");

        Socket? outbound = null;
        byte[] payload = [];
        string? line;
        while ((line = await Console.In.ReadLineAsync()) is not null)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words)
            {
                case ["connect", var host, var port]:
                    outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await outbound.ConnectAsync(IPAddress.Parse(host), int.Parse(port, CultureInfo.InvariantCulture));
                    Console.WriteLine("ok");
                    break;
                case ["sink", "reuse" or "fresh"]:
                    _freshBuffers = words[1] == "fresh";
                    Console.WriteLine("ok");
                    break;
                case ["send", var bytes, var count, var inFlight] when outbound is not null:
                    var size = int.Parse(bytes, CultureInfo.InvariantCulture);
                    if (payload.Length != size)
                    {
                        payload = GC.AllocateUninitializedArray<byte>(size);
                        Random.Shared.NextBytes(payload);
                    }

                    var seconds = await SendAsync(outbound, payload, int.Parse(count, CultureInfo.InvariantCulture), int.Parse(inFlight, CultureInfo.InvariantCulture));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok {seconds:R}"));
                    break;
                default:
                    Console.WriteLine($"error: cannot do '{line}'");
                    break;
            }
        }

        outbound?.Dispose();
        return 0;
    }

    private static async Task<double> SendAsync(Socket socket, byte[] payload, int count, int inFlight)
    {
        using var window = new SemaphoreSlim(inFlight, inFlight);
        var prefix = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(prefix, payload.Length);
        var started = Stopwatch.GetTimestamp();
        var acks = Task.Run(async () =>
        {
            var ack = new byte[1];
            for (var i = 0; i < count; i++)
            {
                await ReceiveExactlyAsync(socket, ack);
                window.Release();
            }
        });
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync();
            await socket.SendAsync(prefix, SocketFlags.None);
            await SendAllAsync(socket, payload);
        }

        await acks;
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            var socket = await listener.AcceptAsync();
            socket.NoDelay = true;
            _ = Task.Run(() => SinkAsync(socket));
        }
    }

    private static async Task SinkAsync(Socket socket)
    {
        using var _ = socket;
        var prefix = new byte[8];
        var ack = new byte[] { 1 };
        byte[] buffer = [];
        try
        {
            while (await ReceiveExactlyAsync(socket, prefix))
            {
                var length = checked((int)BinaryPrimitives.ReadInt64LittleEndian(prefix));
                if (buffer.Length < length || _freshBuffers)
                {
                    buffer = GC.AllocateUninitializedArray<byte>(length);
                }

                await ReceiveExactlyAsync(socket, buffer.AsMemory(0, length));
                await socket.SendAsync(ack, SocketFlags.None);
            }
        }
        catch (SocketException)
        {
            // The source went away.
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None);
            data = data[sent..];
        }
    }

    /// <returns>False when the peer closed before the first byte.</returns>
    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> data)
    {
        var total = 0;
        while (total < data.Length)
        {
            var read = await socket.ReceiveAsync(data[total..], SocketFlags.None);
            if (read == 0)
            {
                return total == 0 ? false : throw new SocketException((int)SocketError.ConnectionReset);
            }

            total += read;
        }

        return true;
    }
}
