namespace Orrery.Cluster.Tensors;

/// <summary>
/// Settings of a silo's tensor store and tensor channel (configuration section <c>Tensors</c>). The channel is
/// its own TCP listener beside Orleans's silo and gateway ports: large arrays do not travel inside Orleans
/// messages (0.3 GB/s there against 1 to 2 GB/s here, bench/results/runtime.md).
/// </summary>
public sealed class TensorChannelOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Tensors";

    /// <summary>Connections from another cluster id are refused. Default: <c>orrery</c>.</summary>
    public string ClusterId { get; set; } = "orrery";

    /// <summary>
    /// The shared secret every channel connection proves with HMAC-SHA256 over fresh nonces, both ways. Default: none;
    /// it must be set (the embedded cluster makes a random one).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>The address the channel listens on. Default: <c>0.0.0.0</c>.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// The address other members dial, written into every <c>TensorRef</c> this silo hands out (a pod IP under
    /// Kubernetes). Default: the bind address, or 127.0.0.1 when the bind address is a wildcard.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The channel's TCP port; 0 takes a free one (tests, embedded clusters). Default: 11200.</summary>
    public int Port { get; set; } = 11200;

    /// <summary>
    /// The most bytes this silo's store holds at once; a put or push beyond it fails with
    /// <c>TensorStoreFullException</c>. Default: half the memory available to the process.
    /// </summary>
    public long MaxStoreBytes { get; set; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    /// <summary>How long a tensor is kept when its owner gives no time to live. Default: 10 minutes.</summary>
    public TimeSpan DefaultTimeToLive { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one fetch, push or release may take before it fails with a <see cref="TimeoutException"/>. Default: 2 minutes.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Connect plus handshake to another silo's channel. Default: 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections kept to each peer channel; transfers are spread over them. Default: 2.</summary>
    public int ConnectionsPerPeer { get; set; } = 2;

    /// <summary>
    /// The DSCP (0 to 63) of the channel's packets, both directions. A network with traffic classes can then queue
    /// tensor blocks behind Orleans's small, unmarked calls instead of in front of them (at a link slower than the
    /// exchange, calls queued behind blocks took up to 127 ms where they take 0.2; bench/results/gcn.md). 0 leaves the
    /// packets unmarked. Default: 10 (AF11, high-throughput data in RFC 4594).
    /// </summary>
    public int Dscp { get; set; } = 10;

    /// <summary>The advertised address, resolved from <see cref="AdvertisedAddress"/> and <see cref="BindAddress"/>.</summary>
    internal string AdvertisedHost => Silos.AdvertisedAddress.Resolve(AdvertisedAddress, BindAddress);

    /// <summary>A copy with <see cref="Secret"/> redacted, for logs.</summary>
    public override string ToString() =>
        $"Tensors {{ ClusterId = {ClusterId}, Secret = {(string.IsNullOrEmpty(Secret) ? "(none)" : "***")}, Bind = {BindAddress}:{Port}, " +
        $"Advertised = {AdvertisedHost}, MaxStoreBytes = {MaxStoreBytes}, DefaultTimeToLive = {DefaultTimeToLive}, TransferTimeout = {TransferTimeout} }}";
}
