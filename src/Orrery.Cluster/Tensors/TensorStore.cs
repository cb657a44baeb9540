using System.Collections.Concurrent;
using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tensors;

/// <summary>
/// One silo's stored tensors: arrays put by its grains or pushed by peers, each under an id, counted against
/// <see cref="TensorChannelOptions.MaxStoreBytes"/>, and dropped on release, after their last permitted read, or
/// when their time to live has passed (looked at on every read and by a sweep each second).
/// The store keeps the array it is given: the putter must not write to it afterwards.
/// </summary>
public sealed class TensorStore : IDisposable
{
    private readonly ConcurrentDictionary<ulong, Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly string _owner;
    private long _usedBytes;
    private long _nextId;

    /// <summary>A store with the cap and default lifetime of <paramref name="options"/>; <paramref name="owner"/> names it in errors.</summary>
    public TensorStore(TensorChannelOptions options, string owner, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        CapacityBytes = options.MaxStoreBytes;
        DefaultTimeToLive = options.DefaultTimeToLive;
        _owner = owner;
        _time = time ?? TimeProvider.System;
        _sweeper = _time.CreateTimer(static s => ((TensorStore)s!).Sweep(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>The cap in bytes (<c>Tensors:MaxStoreBytes</c>).</summary>
    public long CapacityBytes { get; }

    /// <summary>The time to live of tensors put without one.</summary>
    public TimeSpan DefaultTimeToLive { get; }

    /// <summary>Bytes held now.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>Tensors held now.</summary>
    public int Count => _entries.Count;

    /// <summary>Stores <paramref name="data"/> under a new id; throws <see cref="TensorStoreFullException"/> when it does not fit.</summary>
    internal ulong Add(Array data, long byteLength, TensorElementType elementType, TensorLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(lifetime.MaxReads);
        var timeToLive = lifetime.TimeToLive ?? DefaultTimeToLive;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero, nameof(lifetime));
        Reserve(byteLength);
        var id = (ulong)Interlocked.Increment(ref _nextId);
        var expires = _time.GetTimestamp() + (long)(timeToLive.TotalSeconds * _time.TimestampFrequency);
        _entries[id] = new Entry(data, byteLength, elementType, expires, lifetime.MaxReads == 0 ? -1 : lifetime.MaxReads);
        return id;
    }

    /// <summary>
    /// The tensor under <paramref name="id"/>, counting one read: the last permitted read removes it from the
    /// store (the caller still has the array). False when it is not here or has expired.
    /// </summary>
    internal bool TryRead(ulong id, out Array data, out TensorElementType elementType)
    {
        data = Array.Empty<byte>();
        elementType = default;
        if (!_entries.TryGetValue(id, out var entry))
        {
            return false;
        }

        if (entry.ExpiresAt <= _time.GetTimestamp())
        {
            Remove(id);
            return false;
        }

        while (true)
        {
            var left = Volatile.Read(ref entry.ReadsLeft);
            if (left < 0)
            {
                break;
            }

            if (left == 0)
            {
                // Another reader took the last permitted read first.
                return false;
            }

            if (Interlocked.CompareExchange(ref entry.ReadsLeft, left - 1, left) == left)
            {
                if (left == 1)
                {
                    Remove(id);
                }

                break;
            }
        }

        data = entry.Data;
        elementType = entry.ElementType;
        return true;
    }

    /// <summary>Drops the tensor under <paramref name="id"/>; false when it was not here.</summary>
    public bool Release(ulong id) => Remove(id);

    /// <summary>Drops every expired tensor; returns how many.</summary>
    public int Sweep()
    {
        var now = _time.GetTimestamp();
        var dropped = 0;
        foreach (var (id, entry) in _entries)
        {
            if (entry.ExpiresAt <= now && Remove(id))
            {
                dropped++;
            }
        }

        return dropped;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sweeper.Dispose();
        _entries.Clear();
        Interlocked.Exchange(ref _usedBytes, 0);
    }

    private void Reserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _usedBytes);
            if (used + bytes > CapacityBytes)
            {
                throw new TensorStoreFullException(
                    $"the tensor store of {_owner} is full: {used} of {CapacityBytes} bytes are held by {_entries.Count} tensors, and a " +
                    $"{bytes}-byte tensor does not fit (Tensors:MaxStoreBytes); release tensors after their last read or give them a shorter time to live");
            }

            if (Interlocked.CompareExchange(ref _usedBytes, used + bytes, used) == used)
            {
                return;
            }
        }
    }

    private bool Remove(ulong id)
    {
        if (!_entries.TryRemove(id, out var entry))
        {
            return false;
        }

        Interlocked.Add(ref _usedBytes, -entry.ByteLength);
        return true;
    }

    private sealed class Entry(Array data, long byteLength, TensorElementType elementType, long expiresAt, int readsLeft)
    {
        public Array Data { get; } = data;

        public long ByteLength { get; } = byteLength;

        public TensorElementType ElementType { get; } = elementType;

        public long ExpiresAt { get; } = expiresAt;

        // -1: any number of reads.
        public int ReadsLeft = readsLeft;
    }
}
