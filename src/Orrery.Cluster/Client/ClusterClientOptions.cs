using Orrery.Cluster.Configuration;

namespace Orrery.Cluster.Client;

/// <summary>How a client reaches a cluster.</summary>
public sealed class ClusterClientOptions
{
    /// <summary>Silo transport endpoints (<c>host:port</c>) to learn membership from; tried in order. Default: <c>127.0.0.1:11111</c>.</summary>
    public IList<string> Gateways { get; set; } = ["127.0.0.1:11111"];

    /// <summary>Cluster id, secret, timeouts and limits shared with the silos. Default: <see cref="ClusterOptions"/> defaults, secret empty.</summary>
    public ClusterOptions Cluster { get; set; } = new();

    /// <summary>Name announced in handshakes, for the silos' logs. Default: <c>orrery-client</c>.</summary>
    public string Name { get; set; } = "orrery-client";

    /// <summary>Parses a <c>host:port</c> endpoint; throws <see cref="ArgumentException"/> naming the bad text.</summary>
    public static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{endpoint}' is not a silo address; expected host:port, for example 127.0.0.1:11111");
        }

        return (endpoint[..colon], port);
    }
}
