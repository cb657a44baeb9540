using System.Net;
using System.Net.Sockets;

namespace Orrery.Testing;

/// <summary>Free loopback TCP ports for servers that tests start.</summary>
public static class FreePort
{
    /// <summary>
    /// Asks the kernel for an unused loopback port by binding port 0 and releasing it. Another
    /// process can take the port between this call and the caller's bind; callers that start
    /// a server retry with a fresh port when the bind fails.
    /// </summary>
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
