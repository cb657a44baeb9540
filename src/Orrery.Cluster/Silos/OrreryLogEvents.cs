namespace Orrery.Cluster.Silos;

/// <summary>
/// The stable event ids of the log lines operators search for (the number appears in brackets after the category on
/// every console line, and as <c>EventId</c> in structured logs). Ranges: 1000s the silo process and membership,
/// 1300s the client, 3000s the cluster transport and tensor channel, 4000s sampling jobs, 4100s PCA runs. A number,
/// once given, keeps its meaning.
/// </summary>
public static class OrreryLogEvents
{
    /// <summary>The silo process is up: Active in membership, serving.</summary>
    public const int SiloStarted = 1000;

    /// <summary>The silo process was asked to stop (SIGTERM, a lost membership row).</summary>
    public const int SiloStopping = 1001;

    /// <summary>The silo process has stopped.</summary>
    public const int SiloStopped = 1002;

    /// <summary>A silo's membership status changed (joining, active, shutting down, dead).</summary>
    public const int MembershipChanged = 1100;

    /// <summary>The tensor channel refused a connection: its handshake failed (wrong secret, cluster or protocol).</summary>
    public const int ConnectionRefused = 3102;

    /// <summary>Accepting a tensor channel connection failed at the socket.</summary>
    public const int AcceptFailed = 3103;

    /// <summary>A sampling job started on its coordinator.</summary>
    public const int SamplingJobStarted = 4000;

    /// <summary>A sampling job finished.</summary>
    public const int SamplingJobFinished = 4001;

    /// <summary>A sampling job failed or was cancelled.</summary>
    public const int SamplingJobFailed = 4002;

    /// <summary>Recovery: an ensemble of a sampling job moved from a lost silo and continues from its checkpoint.</summary>
    public const int SamplingEnsembleMoved = 4003;

    /// <summary>Recovery: a PCA run re-ran rounds after a failure.</summary>
    public const int PcaRunRecovered = 4100;

    /// <summary>A PCA run finished.</summary>
    public const int PcaRunFinished = 4101;

    /// <summary>A PCA run failed.</summary>
    public const int PcaRunFailed = 4102;
}
