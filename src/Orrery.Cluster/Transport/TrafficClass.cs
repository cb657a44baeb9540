using System.Net.Sockets;

namespace Orrery.Cluster.Transport;

/// <summary>Marks a socket's packets with a DSCP (the upper six bits of IPv4's TOS byte and IPv6's traffic class).</summary>
internal static class TrafficClass
{
    // Linux's IPPROTO_IPV6 and IPV6_TCLASS: .NET names no traffic-class option.
    private const int IpProtocolV6 = 41;
    private const int IpV6TrafficClass = 67;

    /// <summary>
    /// Marks <paramref name="socket"/> with <paramref name="dscp"/> for IPv4 (a dual-mode socket's IPv4-mapped peers
    /// included) and, on Linux, IPv6; 0 leaves it unmarked. A platform that refuses the option leaves it unmarked too:
    /// the mark is a hint to the network, never a condition of the transfer.
    /// </summary>
    public static void Mark(Socket socket, int dscp)
    {
        if (dscp == 0)
        {
            return;
        }

        var value = dscp << 2;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.TypeOfService, value);
        }
        catch (SocketException)
        {
            // An IPv6-only socket, or a platform without IP_TOS here.
        }

        if (socket.AddressFamily == AddressFamily.InterNetworkV6 && OperatingSystem.IsLinux())
        {
            try
            {
                socket.SetRawSocketOption(IpProtocolV6, IpV6TrafficClass, BitConverter.GetBytes(value));
            }
            catch (SocketException)
            {
            }
        }
    }
}
