using Microsoft.Extensions.Options;

namespace Orrery.Cluster.Configuration;

/// <summary>Settings every silo of a cluster shares (configuration section <c>Cluster</c>).</summary>
public sealed class ClusterOptions
{
    /// <summary>Name of the cluster (Orleans's cluster id; the tensor channel refuses other clusters). Default: <c>orrery</c>.</summary>
    public string ClusterId { get; set; } = "orrery";

    /// <summary>
    /// Shared secret every tensor-channel connection proves in its handshake (HMAC-SHA256 over nonces; the secret
    /// itself never crosses the wire). Default: empty, which is refused at start.
    /// </summary>
    public string Secret { get; set; } = "";

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
            errors.Add("Cluster:Secret is empty; set it (ORRERY_Cluster__Secret or --secret) to the same value on every silo");
        }

        OptionChecks.ThrowIfAny(errors);
    }

    /// <summary>The options as text with the secret redacted, for logs.</summary>
    public override string ToString() => $"ClusterId={ClusterId} Secret={(Secret.Length == 0 ? "<empty>" : "<redacted>")}";
}
