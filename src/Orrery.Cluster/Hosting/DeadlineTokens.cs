namespace Orrery.Cluster.Hosting;

/// <summary>
/// Cancellation tokens that fire at a deadline, shared by every request whose deadline falls in the same
/// <see cref="Resolution"/>-wide slot. A silo serving 100,000+ requests a second used to create a linked
/// CancellationTokenSource and a timer per request; here one source per slot is created on first use and cancelled
/// by one sweep timer, so a token fires between 0 and about two <see cref="Resolution"/>s after its deadline.
/// <see cref="CancelAll"/> (the hard stop after the shutdown grace period) cancels every slot and every later token.
/// </summary>
internal sealed class DeadlineTokens : IDisposable
{
    /// <summary>Width of a slot, and the sweep period.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(8);

    private readonly long _slotMs = (long)Resolution.TotalMilliseconds;
    private readonly Dictionary<long, CancellationTokenSource> _slots = [];
    private readonly PriorityQueue<long, long> _due = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopped = new();
    private readonly Timer _sweep;
    private long _lastSlot = long.MinValue;
    private CancellationTokenSource? _lastSource;

    public DeadlineTokens() => _sweep = new Timer(_ => Sweep(Environment.TickCount64), null, Resolution, Resolution);

    /// <summary>True once <see cref="CancelAll"/> has run.</summary>
    public bool Stopped => _stopped.IsCancellationRequested;

    /// <summary>A token cancelled at (or shortly after) <paramref name="deadlineMs"/>, an Environment.TickCount64 time.</summary>
    public CancellationToken Token(long deadlineMs)
    {
        var slot = (deadlineMs + _slotMs - 1) / _slotMs;
        lock (_gate)
        {
            if (_stopped.IsCancellationRequested)
            {
                return _stopped.Token;
            }

            // Requests arriving together mostly share a slot: skip the dictionary for a repeat.
            if (slot == _lastSlot && _lastSource is { } last)
            {
                return last.Token;
            }

            if (!_slots.TryGetValue(slot, out var source))
            {
                source = new CancellationTokenSource();
                _slots.Add(slot, source);
                _due.Enqueue(slot, slot);
            }

            _lastSlot = slot;
            _lastSource = source;
            return source.Token;
        }
    }

    /// <summary>Cancels every slot whose time has come by <paramref name="nowMs"/>.</summary>
    internal void Sweep(long nowMs)
    {
        List<CancellationTokenSource>? due = null;
        lock (_gate)
        {
            while (_due.TryPeek(out var slot, out _) && slot * _slotMs <= nowMs)
            {
                _due.Dequeue();
                if (_slots.Remove(slot, out var source))
                {
                    (due ??= []).Add(source);
                    if (_lastSlot == slot)
                    {
                        _lastSource = null;
                    }
                }
            }
        }

        // Outside the lock: cancellation runs the callbacks of every request in the slot.
        foreach (var source in due ?? [])
        {
            source.Cancel();
        }
    }

    /// <summary>Cancels every token handed out and every one asked for later.</summary>
    public void CancelAll()
    {
        CancellationTokenSource[] all;
        lock (_gate)
        {
            _stopped.Cancel();
            all = [.. _slots.Values];
            _slots.Clear();
            _due.Clear();
            _lastSource = null;
        }

        foreach (var source in all)
        {
            source.Cancel();
        }
    }

    public void Dispose() => _sweep.Dispose();
}
