using Microsoft.Extensions.Options;

namespace Orrery.Cluster.Configuration;

/// <summary>
/// Settings every member of a cluster shares, silo or client (configuration section <c>Cluster</c>).
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>Name of the cluster; connections to another cluster are refused. Default: <c>orrery</c>.</summary>
    public string ClusterId { get; set; } = "orrery";

    /// <summary>
    /// Shared secret every connection proves in its handshake (HMAC-SHA256 over nonces; the
    /// secret itself never crosses the wire). Default: empty, which is refused at start.
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>Deadline of a grain call that does not inherit one. Default: 30 seconds.</summary>
    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections kept open to each peer; calls are spread over them. Default: 2.</summary>
    public int ConnectionsPerPeer { get; set; } = 2;

    /// <summary>Time allowed to connect and complete the handshake. Default: 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest protobuf header plus message accepted in one frame. Default: 16 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 16 << 20;

    /// <summary>Largest raw tensor payload accepted in one frame. Default: 2 GiB.</summary>
    public long MaxPayloadBytes { get; set; } = 2L << 30;

    /// <summary>How often a call answered "moved" is re-routed before it fails. Default: 5.</summary>
    public int MaxMovedRetries { get; set; } = 5;

    /// <summary>Throws <see cref="OptionsValidationException"/> naming the first bad setting and the fix.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            errors.Add("Cluster:ClusterId is empty; it must name the cluster, for example 'orrery'");
        }

        if (string.IsNullOrEmpty(Secret))
        {
            errors.Add("Cluster:Secret is empty; set it (ORRERY_Cluster__Secret or --secret) to the same value on every silo and client");
        }

        OptionChecks.Positive(errors, "Cluster:DefaultCallTimeout", DefaultCallTimeout);
        OptionChecks.Positive(errors, "Cluster:ConnectTimeout", ConnectTimeout);
        OptionChecks.InRange(errors, "Cluster:ConnectionsPerPeer", ConnectionsPerPeer, 1, 64);
        OptionChecks.InRange(errors, "Cluster:MaxMessageBytes", MaxMessageBytes, 1024, 1 << 30);
        OptionChecks.InRange(errors, "Cluster:MaxPayloadBytes", MaxPayloadBytes, 0, 1L << 40);
        OptionChecks.InRange(errors, "Cluster:MaxMovedRetries", MaxMovedRetries, 0, 100);
        OptionChecks.ThrowIfAny(errors);
    }

    /// <summary>The options as text with the secret redacted, for logs.</summary>
    public override string ToString() =>
        $"ClusterId={ClusterId} Secret={(Secret.Length == 0 ? "<empty>" : "<redacted>")} DefaultCallTimeout={DefaultCallTimeout} " +
        $"ConnectionsPerPeer={ConnectionsPerPeer} MaxMessageBytes={MaxMessageBytes} MaxPayloadBytes={MaxPayloadBytes}";
}
