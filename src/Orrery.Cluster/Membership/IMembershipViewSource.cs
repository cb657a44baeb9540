namespace Orrery.Cluster.Membership;

/// <summary>Where a member gets its membership view: the silo's agent, or a client's gateway subscription.</summary>
internal interface IMembershipViewSource
{
    MembershipView Current { get; }

    /// <summary>
    /// Brings the view up to date after a "moved" answer: waits (bounded by <paramref name="timeout"/>)
    /// for a view at least as new as <paramref name="version"/>, re-reading the source if none arrives.
    /// </summary>
    Task RefreshAsync(long version, TimeSpan timeout, CancellationToken cancellationToken);
}
