namespace Orrery.Cluster.Silos;

/// <summary>
/// The Orleans silo of a silo process (configuration section <c>OrleansSilo</c>): its ports, service id, failure
/// detection and certificates. Cluster id, silo name and addresses come from the <c>Cluster</c> and <c>Silo</c>
/// sections; membership is Redis when <c>Membership:Table</c> is <c>redis</c>, development clustering otherwise.
/// </summary>
public sealed class OrleansSiloOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "OrleansSilo";

    /// <summary>Orleans's silo-to-silo port. Default: 11211.</summary>
    public int SiloPort { get; set; } = 11211;

    /// <summary>Orleans's client gateway port. Default: 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans's service id, which stays the same across deployments of one service. Default: <c>orrery</c>.</summary>
    public string ServiceId { get; set; } = "orrery";

    /// <summary>How long a membership probe may take before it counts as missed. Default: 5 seconds.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Missed probes after which a silo is suspected. Default: 3.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>How often each silo writes that it is alive to the membership table. Default: 30 seconds.</summary>
    public TimeSpan IAmAliveTablePublishPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// PEM file of this member's certificate (issued by <see cref="TlsAuthority"/>). With the key and the authority set,
    /// every Orleans silo and gateway connection is mutual TLS and only members of the authority may join. Default: none.
    /// </summary>
    public string? TlsCertificate { get; set; }

    /// <summary>PEM file of the private key of <see cref="TlsCertificate"/>. Default: none.</summary>
    public string? TlsKey { get; set; }

    /// <summary>PEM file of the cluster authority's certificate, required of every peer and client. Default: none.</summary>
    public string? TlsAuthority { get; set; }
}
