namespace Orrery.Cluster.Silos;

/// <summary>
/// The stable event ids of the log lines operators search for (the number appears in brackets after the category on
/// every console line, and as <c>EventId</c> in structured logs). Ranges: 1000s the silo process and membership,
/// 1300s the client, 3000s the cluster transport and tensor channel (3200s the membership row watchdog), 4000s
/// sampling jobs, 4100s PCA runs, 4200s GCN runs. A number, once given, keeps its meaning; every
/// <c>[LoggerMessage]</c> in Orrery takes its id from here, and no two share one.
/// </summary>
public static class OrreryLogEvents
{
    /// <summary>The silo process is up: Active in membership, serving.</summary>
    public const int SiloStarted = 1000;

    /// <summary>The silo process was asked to stop (SIGTERM, a lost membership row).</summary>
    public const int SiloStopping = 1001;

    /// <summary>The silo process has stopped.</summary>
    public const int SiloStopped = 1002;

    /// <summary>The compute devices the silo found at start (GPUs, the CPU and its BLAS).</summary>
    public const int SiloDevices = 1003;

    /// <summary>The CPU's matrix products fall back to the managed kernel (no OpenBLAS found): slower, same results.</summary>
    public const int SiloGemmFallback = 1004;

    /// <summary>A silo's membership status changed (joining, active, shutting down, dead).</summary>
    public const int MembershipChanged = 1100;

    /// <summary>The silo is waiting for the membership table's Redis to answer before it starts (one line per try).</summary>
    public const int RedisWaiting = 1101;

    /// <summary>The membership table's Redis answered after the silo waited for it; the silo starts.</summary>
    public const int RedisAnswered = 1102;

    /// <summary>A gateway connection of the client closed; calls marked for resending are sent again.</summary>
    public const int GatewayLost = 1301;

    /// <summary>The client resent one call after a gateway loss (debug level).</summary>
    public const int GatewayCallResent = 1302;

    /// <summary>The tensor channel is serving at its endpoint.</summary>
    public const int TensorChannelServing = 3100;

    /// <summary>The tensor channel closed an established connection that sent something it must not.</summary>
    public const int TensorChannelClosedConnection = 3101;

    /// <summary>The tensor channel refused a connection: its handshake failed (wrong secret, cluster or protocol).</summary>
    public const int ConnectionRefused = 3102;

    /// <summary>Accepting a tensor channel connection failed at the socket.</summary>
    public const int AcceptFailed = 3103;

    /// <summary>The transport's sweep of expired call deadlines failed (calls may wait past their deadline).</summary>
    public const int DeadlineSweepFailed = 3104;

    /// <summary>This silo is Active but its membership row is gone (Redis lost the table): the silo stops (exit code 4).</summary>
    public const int MembershipRowLost = 3200;

    /// <summary>Reading the membership table failed; the watchdog tries again.</summary>
    public const int MembershipTableReadFailed = 3201;

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

    /// <summary>A PCA run started on its coordinator (its shards and workers placed; loading follows).</summary>
    public const int PcaRunStarted = 4103;

    /// <summary>A PCA run was released: its shards, workers and coordinator freed and deactivated.</summary>
    public const int PcaRunReleased = 4104;

    /// <summary>A GCN run started on its coordinator (the graph and partition plans are being built).</summary>
    public const int GcnRunStarted = 4200;

    /// <summary>A GCN run is set up: every part holds its partition on its silo, training can begin.</summary>
    public const int GcnRunReady = 4201;

    /// <summary>A GCN run finished its last epoch.</summary>
    public const int GcnRunFinished = 4202;

    /// <summary>Recovery: parts of a GCN run were placed again on live silos after their silo was lost.</summary>
    public const int GcnPartsReplaced = 4203;

    /// <summary>A GCN run was released (finished and read, or interrupted by its client): its parts gave back their memory.</summary>
    public const int GcnRunReleased = 4204;
}
