using System.CommandLine;
using Orrery.Cluster.Client;
using Orrery.Cluster.Configuration;

namespace Orrery.Client;

/// <summary>The options every verb that talks to a running cluster takes.</summary>
internal sealed class ConnectionOptions
{
    public Option<string[]> Gateways { get; } = new("--gateway", "-g")
    {
        Description = "Silo transport address host:port (repeatable). Default: $ORRERY_GATEWAY or 127.0.0.1:11111",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> Secret { get; } = new("--secret")
    {
        Description = "Cluster secret. Default: $ORRERY_Cluster__Secret or $ORRERY_SECRET",
    };

    public Option<string?> ClusterId { get; } = new("--cluster-id")
    {
        Description = "Cluster id. Default: $ORRERY_Cluster__ClusterId or 'orrery'",
    };

    public Option<double> TimeoutSeconds { get; } = new("--timeout")
    {
        Description = "Seconds to wait for connections and calls",
        DefaultValueFactory = _ => 10,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Gateways);
        command.Options.Add(Secret);
        command.Options.Add(ClusterId);
        command.Options.Add(TimeoutSeconds);
    }

    public ClusterClientOptions Resolve(ParseResult parse)
    {
        var gateways = parse.GetValue(Gateways) is { Length: > 0 } given
            ? given
            : [Environment.GetEnvironmentVariable("ORRERY_GATEWAY") ?? "127.0.0.1:11111"];
        var secret = parse.GetValue(Secret)
            ?? Environment.GetEnvironmentVariable("ORRERY_Cluster__Secret")
            ?? Environment.GetEnvironmentVariable("ORRERY_SECRET")
            ?? throw new ArgumentException("no cluster secret: pass --secret or set ORRERY_Cluster__Secret");
        var timeout = parse.GetValue(TimeoutSeconds);
        if (!(timeout > 0))
        {
            throw new ArgumentException($"--timeout is {timeout}; it must be a positive number of seconds");
        }

        foreach (var gateway in gateways)
        {
            ClusterClientOptions.ParseEndpoint(gateway);
        }

        return new ClusterClientOptions
        {
            Gateways = [.. gateways],
            Cluster = new ClusterOptions
            {
                ClusterId = parse.GetValue(ClusterId) ?? Environment.GetEnvironmentVariable("ORRERY_Cluster__ClusterId") ?? "orrery",
                Secret = secret,
                ConnectTimeout = TimeSpan.FromSeconds(timeout),
                DefaultCallTimeout = TimeSpan.FromSeconds(timeout),
            },
        };
    }
}
