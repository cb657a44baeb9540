using System.CommandLine;
using Orrery.Cluster.Client;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Silos;

namespace Orrery.Client;

/// <summary>The options every verb that talks to a running cluster takes.</summary>
internal sealed class ConnectionOptions
{
    public Option<string[]> Gateways { get; } = new("--gateway", "-g")
    {
        Description = "Silo transport address host:port (repeatable). Default: $ORRERY_GATEWAY or 127.0.0.1:11111",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string[]> OrleansGateways { get; } = new("--orleans-gateway")
    {
        Description = "Orleans gateway host:port of a silo (its OrleansSilo:GatewayPort; repeatable), for the workloads on Orleans (sampling, PCA). Default: $ORRERY_ORLEANS_GATEWAY",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> TlsCertificate { get; } = new("--tls-cert")
    {
        Description = "PEM certificate of this client (mutual TLS with the Orleans gateways). Default: $ORRERY_OrleansSilo__TlsCertificate",
    };

    public Option<string?> TlsKey { get; } = new("--tls-key")
    {
        Description = "PEM private key of --tls-cert. Default: $ORRERY_OrleansSilo__TlsKey",
    };

    public Option<string?> TlsAuthority { get; } = new("--tls-ca")
    {
        Description = "PEM certificate of the cluster authority the gateways' certificates must chain to. Default: $ORRERY_OrleansSilo__TlsAuthority",
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
        command.Options.Add(OrleansGateways);
        command.Options.Add(TlsCertificate);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsAuthority);
        command.Options.Add(Secret);
        command.Options.Add(ClusterId);
        command.Options.Add(TimeoutSeconds);
    }

    /// <summary>Whether the command was pointed at a running cluster (any gateway option or variable).</summary>
    public bool NamesCluster(ParseResult parse) =>
        parse.GetValue(Gateways) is { Length: > 0 } || parse.GetValue(OrleansGateways) is { Length: > 0 }
        || Environment.GetEnvironmentVariable("ORRERY_GATEWAY") is { Length: > 0 } || Environment.GetEnvironmentVariable("ORRERY_ORLEANS_GATEWAY") is { Length: > 0 };

    /// <summary>Connects an Orleans client to the gateways of --orleans-gateway or $ORRERY_ORLEANS_GATEWAY (comma-separated).</summary>
    public Task<OrleansClientConnection> ConnectOrleansAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var gateways = parse.GetValue(OrleansGateways) is { Length: > 0 } given
            ? given
            : (Environment.GetEnvironmentVariable("ORRERY_ORLEANS_GATEWAY") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (gateways.Length == 0)
        {
            throw new ArgumentException("this workload runs on the cluster's Orleans silos: pass --orleans-gateway host:port (a silo's OrleansSilo:GatewayPort) or set ORRERY_ORLEANS_GATEWAY");
        }

        var timeout = parse.GetValue(TimeoutSeconds);
        if (!(timeout > 0))
        {
            throw new ArgumentException($"--timeout is {timeout}; it must be a positive number of seconds");
        }

        var clusterId = parse.GetValue(ClusterId) ?? Environment.GetEnvironmentVariable("ORRERY_Cluster__ClusterId") ?? "orrery";
        var serviceId = Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__ServiceId") ?? "orrery";
        var tls = Orrery.Cluster.Security.ClusterTlsFiles.FromSettings(
            parse.GetValue(TlsCertificate) ?? Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__TlsCertificate"),
            parse.GetValue(TlsKey) ?? Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__TlsKey"),
            parse.GetValue(TlsAuthority) ?? Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__TlsAuthority"));
        return OrleansClientConnection.ConnectAsync(gateways, null, clusterId, serviceId, TimeSpan.FromSeconds(timeout), cancellationToken: cancellationToken, tls: tls);
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
