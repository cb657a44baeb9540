namespace Orrery.Cluster.Membership;

/// <summary>
/// The cluster's membership table: one row per silo generation plus one version number.
/// Every row write is a compare-and-swap on the table version and bumps it by one, so two
/// silos that both try to declare a third Dead cannot both succeed on the same view.
/// Heartbeats are the exception: each silo writes only its own heartbeat time, stored
/// apart from the versioned rows, so that liveness updates every second do not churn the
/// version that requests carry (a version change means the set or status of silos changed).
/// </summary>
public interface IMembershipTable
{
    /// <summary>Reads all rows, heartbeat times merged in, with the current version.</summary>
    Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Inserts or replaces the row of <paramref name="entry"/>'s silo (host, port, generation) if the
    /// table version is still <paramref name="expectedVersion"/>.
    /// </summary>
    /// <returns>The new version on success; <c>null</c> when the version has moved on.</returns>
    Task<long?> TryWriteAsync(SiloEntry entry, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Records a heartbeat time for one silo row. Does not change the version.</summary>
    Task HeartbeatAsync(SiloEntry silo, long unixMilliseconds, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="onChanged"/> with the new version whenever a row write succeeds.
    /// Notifications may be lost (a dropped Redis connection); readers also poll.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(Action<long> onChanged, CancellationToken cancellationToken);
}
