using System.CommandLine;
using Orrery.Cluster.Silos;

namespace Orrery.Client;

/// <summary>The options every verb that talks to a running cluster takes: where its Orleans gateways are, and the client's certificate.</summary>
internal sealed class ConnectionOptions
{
    /// <summary>The gateway used when none is named: a silo on this machine with the default OrleansSilo:GatewayPort.</summary>
    public const string DefaultGateway = "127.0.0.1:30000";

    public Option<string[]> Gateways { get; } = new("--gateway", "-g", "--orleans-gateway")
    {
        Description = "Orleans gateway host:port of a silo (its OrleansSilo:GatewayPort; repeatable). Default: $ORRERY_GATEWAY (comma-separated), else the gateways in --redis",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> Redis { get; } = new("--redis")
    {
        Description = "Redis connection string of the cluster's membership table, to find its gateways there. Default: $ORRERY_REDIS",
    };

    public Option<string?> TlsCertificate { get; } = new("--tls-cert")
    {
        Description = "PEM certificate of this client (mutual TLS with the gateways). Default: $ORRERY_OrleansSilo__TlsCertificate",
    };

    public Option<string?> TlsKey { get; } = new("--tls-key")
    {
        Description = "PEM private key of --tls-cert. Default: $ORRERY_OrleansSilo__TlsKey",
    };

    public Option<string?> TlsAuthority { get; } = new("--tls-ca")
    {
        Description = "PEM certificate of the cluster authority the gateways' certificates must chain to. Default: $ORRERY_OrleansSilo__TlsAuthority",
    };

    public Option<string?> ClusterId { get; } = new("--cluster-id")
    {
        Description = "Cluster id. Default: $ORRERY_Cluster__ClusterId or 'orrery'",
    };

    /// <summary>Seconds to wait for a cluster's gateways when --timeout is not given.</summary>
    public const double DefaultConnectSeconds = 10;

    /// <summary>Seconds to wait for an embedded cluster to start when --timeout is not given (several silos on a busy machine).</summary>
    public const double DefaultEmbeddedStartSeconds = 60;

    public Option<double?> TimeoutSeconds { get; } = new("--timeout")
    {
        Description = $"Seconds to wait for the cluster: for its gateways to answer, or for the embedded cluster to start. Default: {DefaultConnectSeconds} to connect, {DefaultEmbeddedStartSeconds} to start an embedded cluster",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Gateways);
        command.Options.Add(Redis);
        command.Options.Add(TlsCertificate);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsAuthority);
        command.Options.Add(ClusterId);
        command.Options.Add(TimeoutSeconds);
    }

    /// <summary>Whether the command was pointed at a running cluster (a gateway or Redis, by option or variable).</summary>
    public bool NamesCluster(ParseResult parse) =>
        parse.GetValue(Gateways) is { Length: > 0 } || parse.GetValue(Redis) is { Length: > 0 } || FromEnvironment("ORRERY_GATEWAY").Length > 0
        || FromEnvironment("ORRERY_ORLEANS_GATEWAY").Length > 0 || Environment.GetEnvironmentVariable("ORRERY_REDIS") is { Length: > 0 };

    /// <summary>
    /// Connects an Orleans client to the gateways of --gateway or $ORRERY_GATEWAY, else to those in the Redis table of
    /// --redis or $ORRERY_REDIS, else to <paramref name="fallbackGateway"/> (none: an error that says what to pass).
    /// </summary>
    public Task<OrleansClientConnection> ConnectAsync(ParseResult parse, CancellationToken cancellationToken, string? fallbackGateway = null)
    {
        var redis = parse.GetValue(Redis) ?? Environment.GetEnvironmentVariable("ORRERY_REDIS");
        string[] gateways = parse.GetValue(Gateways) is { Length: > 0 } given ? given
            : FromEnvironment("ORRERY_GATEWAY") is { Length: > 0 } set ? set
            : FromEnvironment("ORRERY_ORLEANS_GATEWAY") is { Length: > 0 } legacy ? legacy
            : redis is { Length: > 0 } ? []
            : fallbackGateway is null ? throw new ArgumentException("no cluster named: pass --gateway host:port (a silo's OrleansSilo:GatewayPort) or --redis, or set ORRERY_GATEWAY")
            : [fallbackGateway];
        var timeout = Timeout(parse, DefaultConnectSeconds).TotalSeconds;

        var clusterId = parse.GetValue(ClusterId) ?? Environment.GetEnvironmentVariable("ORRERY_Cluster__ClusterId") ?? "orrery";
        var serviceId = Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__ServiceId") ?? "orrery";
        var tls = Orrery.Cluster.Security.ClusterTlsFiles.FromSettings(
            parse.GetValue(TlsCertificate) ?? Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__TlsCertificate"),
            parse.GetValue(TlsKey) ?? Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__TlsKey"),
            parse.GetValue(TlsAuthority) ?? Environment.GetEnvironmentVariable("ORRERY_OrleansSilo__TlsAuthority"));
        return OrleansClientConnection.ConnectAsync(gateways, redis, clusterId, serviceId, TimeSpan.FromSeconds(timeout), cancellationToken: cancellationToken, tls: tls);
    }

    /// <summary>
    /// --timeout, or <paramref name="defaultSeconds"/> when it is not given: the one deadline the user sets, and it
    /// holds for an embedded cluster's start as it does for connecting to gateways.
    /// </summary>
    public TimeSpan Timeout(ParseResult parse, double defaultSeconds)
    {
        var seconds = parse.GetValue(TimeoutSeconds) ?? defaultSeconds;
        if (!(seconds > 0) || !double.IsFinite(seconds))
        {
            throw new ArgumentException($"--timeout is {seconds}; it must be a positive number of seconds");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Starts the embedded cluster of <paramref name="silos"/> silos within --timeout (default <see cref="DefaultEmbeddedStartSeconds"/>).</summary>
    public async Task<OrleansEmbeddedCluster> StartEmbeddedAsync(ParseResult parse, int silos, bool verbose, CancellationToken cancellationToken)
    {
        var timeout = Timeout(parse, DefaultEmbeddedStartSeconds);
        var starting = EmbeddedOrleans.StartAsync(silos, verbose, cancellationToken);
        try
        {
            return await starting.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException) when (!starting.IsCompleted)
        {
            // The silos that did start are stopped when they finish starting; the command ends here.
            _ = starting.ContinueWith(t => t.Result.DisposeAsync().AsTask(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw new TimeoutException($"the embedded cluster of {silos} silo(s) did not start within {timeout.TotalSeconds:0.#} s (--timeout)");
        }
    }

    private static string[] FromEnvironment(string name) =>
        (Environment.GetEnvironmentVariable(name) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
