using System.Net;
using System.Net.Sockets;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Checks that a port is free before Orleans binds it. Orleans 10.4.2's listener shares a port with another process
/// (SO_REUSEPORT): a second silo started on a port in use then joins as a newer clone of the first and has it
/// declared dead. A probe socket bound without port reuse fails where any process listens, so the start stops first.
/// </summary>
public static class ListenPorts
{
    /// <summary>Throws <see cref="InvalidOperationException"/> naming <paramref name="setting"/> when <paramref name="port"/> on <paramref name="address"/> is in use.</summary>
    public static void EnsureFree(string address, int port, string setting)
    {
        var bind = IPAddress.Parse(address);
        using var probe = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(bind, port));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new InvalidOperationException($"{setting} {port} on {address} is in use by another process (or not allowed); choose a free port", e);
        }
    }
}
