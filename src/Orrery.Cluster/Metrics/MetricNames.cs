namespace Orrery.Cluster.Metrics;

/// <summary>
/// Instrument names of the runtime. The name is the Prometheus base name: the exporter appends
/// <c>_total</c> to counters, and histograms expose <c>_bucket</c>, <c>_sum</c> and <c>_count</c>.
/// Dashboards and alerts query these names; a test checks each appears on <c>/metrics</c>.
/// </summary>
public static class MetricNames
{
    /// <summary>Meter of the grain runtime.</summary>
    public const string Meter = "Orrery.Cluster";

    public const string GrainCalls = "orrery_grain_calls";
    public const string GrainCallDuration = "orrery_grain_call_duration_seconds";
    public const string GrainActivations = "orrery_grain_activations";
    public const string GrainActivationsCreated = "orrery_grain_activations_created";
    public const string GrainDeactivations = "orrery_grain_deactivations";
    public const string OutgoingCalls = "orrery_grain_outgoing_calls";
    public const string TransportBytesSent = "orrery_transport_bytes_sent";
    public const string TransportBytesReceived = "orrery_transport_bytes_received";
    public const string TransportFramesSent = "orrery_transport_frames_sent";
    public const string TransportFramesReceived = "orrery_transport_frames_received";
    public const string TransportHandshakeFailures = "orrery_transport_handshake_failures";
    public const string TransportConnections = "orrery_transport_connections";
    public const string MembershipSilos = "orrery_membership_silos";
    public const string MembershipVersion = "orrery_membership_version";
    public const string MembershipChanges = "orrery_membership_changes";
    public const string MembershipDeclaredDead = "orrery_membership_declared_dead";
}
