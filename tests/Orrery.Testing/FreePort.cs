using System.Net;
using System.Net.Sockets;

namespace Orrery.Testing;

/// <summary>Free loopback TCP ports for servers that tests start.</summary>
public static class FreePort
{
    // Below Linux's ephemeral range (32768-60999 by default): outgoing connections take their local ports from that
    // range, and a silo process that starts its Orleans silo (seconds, many outgoing connections) before it binds its
    // other ports would otherwise find one of them taken by a connection. Each test process starts at a random point
    // of the range and walks it, so parallel test processes rarely meet; a port is handed out only after a bind of it
    // succeeded, and never twice by one process.
    private const int First = 20000;
    private const int Last = 32000;
    private static int _next = First + Random.Shared.Next(Last - First);

    /// <summary>
    /// An unused loopback port below the ephemeral range, checked by binding it and releasing it. Another process can
    /// still take it before the caller binds; callers that start a server retry with a fresh port when the bind fails.
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < Last - First; attempt++)
        {
            var port = First + (int)((uint)(Interlocked.Increment(ref _next) - First) % (Last - First));
            try
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // In use: try the next.
            }
        }

        throw new InvalidOperationException($"no free loopback port from {First} to {Last}");
    }
}
