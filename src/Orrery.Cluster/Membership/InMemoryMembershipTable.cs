namespace Orrery.Cluster.Membership;

/// <summary>
/// A membership table held in process memory, shared by the silos of one process (the
/// embedded cluster of <c>orrery demo</c>, and tests). Same semantics as the Redis table.
/// </summary>
public sealed class InMemoryMembershipTable : IMembershipTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SiloEntry> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _heartbeats = new(StringComparer.Ordinal);
    private readonly List<Action<long>> _subscribers = [];
    private long _version;

    /// <inheritdoc />
    public Task<MembershipSnapshot> ReadAllAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var snapshot = new MembershipSnapshot { Version = _version };
            foreach (var (key, row) in _rows.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var copy = row.Clone();
                if (_heartbeats.TryGetValue(key, out var heartbeat))
                {
                    copy.HeartbeatUnixMs = Math.Max(copy.HeartbeatUnixMs, heartbeat);
                }

                snapshot.Silos.Add(copy);
            }

            return Task.FromResult(snapshot);
        }
    }

    /// <inheritdoc />
    public Task<long?> TryWriteAsync(SiloEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Action<long>[] subscribers;
        long version;
        lock (_lock)
        {
            if (_version != expectedVersion)
            {
                return Task.FromResult<long?>(null);
            }

            _rows[entry.RowKey()] = entry.Clone();
            version = ++_version;
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Callback(s.Version), (Callback: subscriber, Version: version), preferLocal: false);
        }

        return Task.FromResult<long?>(version);
    }

    /// <inheritdoc />
    public Task HeartbeatAsync(SiloEntry silo, long unixMilliseconds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _heartbeats[silo.RowKey()] = unixMilliseconds;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IAsyncDisposable> SubscribeAsync(Action<long> onChanged, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _subscribers.Add(onChanged);
        }

        return Task.FromResult<IAsyncDisposable>(new Subscription(this, onChanged));
    }

    private sealed class Subscription(InMemoryMembershipTable table, Action<long> callback) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (table._lock)
            {
                table._subscribers.Remove(callback);
            }

            return ValueTask.CompletedTask;
        }
    }
}
