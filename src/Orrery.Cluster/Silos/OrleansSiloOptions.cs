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
    /// Orleans's grain-directory lease after a silo is declared dead (<c>GrainDirectoryOptions.RangeLeaseDuration</c>):
    /// until it ends, no grain whose directory entry or directory range the dead silo held is activated anywhere, so that
    /// a silo wrongly declared dead and still running cannot leave a grain active twice. Orleans counts it from the
    /// silo's estimated failure: what is left after the declaration is this less the failure-detection window,
    /// 4 x <see cref="ProbeTimeout"/> x <see cref="MissedProbesLimit"/> (Orleans's maximum probe timeout times the
    /// misses), and nothing when that is negative. With the defaults (a 60 s window) there is none; with fast failure
    /// detection there is, and it is then most of the pause of a job after a silo is lost before that silo's
    /// coordinator or workers run again (22 s with 1 s probes and 2 misses). Shorter recovers sooner and trusts failure
    /// detection more; 0 turns the lease off. Default: 30 seconds (Orleans's).
    /// </summary>
    public TimeSpan DirectoryLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

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
