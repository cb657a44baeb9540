namespace Orrery.Cluster.Transport;

/// <summary>
/// A request sent on a connection and not yet answered. When its response payload goes into memory the caller keeps
/// (<see cref="ResponsePayload"/>), the call also tracks whether the connection's read loop may still write there: a
/// caller that gives up (<see cref="AbandonAsync"/>) waits until the loop has stopped writing, and the loop reads the
/// rest of that payload into scratch memory instead.
/// </summary>
internal sealed class PendingCall(long deadlineMs, object description, Func<int, Memory<byte>>? responsePayload = null)
{
    private const int Waiting = 0;
    private const int Receiving = 1;
    private const int Done = 2;
    private const int Abandoned = 3;
    private const int AbandonedReceiving = 4;

    private readonly TaskCompletionSource<InboundFrame> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _payloadReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource? _abandon = responsePayload is null ? null : new CancellationTokenSource();
    private int _state;

    /// <summary>Environment.TickCount64 at which the caller gives up.</summary>
    public long DeadlineMs { get; } = deadlineMs;

    /// <summary>What was called, for error messages: target grain, method and the chain of waiting grains.</summary>
    public string Description => description.ToString() ?? "";

    public Task<InboundFrame> Task => _completion.Task;

    /// <summary>
    /// Where the response's payload is read to, given its length in bytes (a tensor fetch receives straight
    /// into the typed array its caller keeps); null for a fresh byte array.
    /// </summary>
    public Func<int, Memory<byte>>? ResponsePayload { get; } = responsePayload;

    /// <summary>Cancelled when the caller abandons the call while its payload is being received.</summary>
    public CancellationToken AbandonToken => _abandon?.Token ?? CancellationToken.None;

    /// <summary>True once the caller gave up on the call.</summary>
    public bool IsAbandoned => Volatile.Read(ref _state) >= Abandoned;

    public void Complete(InboundFrame frame) => _completion.TrySetResult(frame);

    public void Fail(Exception error) => _completion.TrySetException(error);

    /// <summary>
    /// Called by the read loop before it writes the payload into the caller's memory: false when the caller has already
    /// given up, and the payload must go elsewhere.
    /// </summary>
    public bool TryBeginPayload() => Interlocked.CompareExchange(ref _state, Receiving, Waiting) == Waiting;

    /// <summary>Called by the read loop once it no longer writes into the caller's memory (done, abandoned or failed).</summary>
    public void EndPayload()
    {
        Interlocked.CompareExchange(ref _state, Done, Receiving);
        _payloadReleased.TrySetResult();
    }

    /// <summary>
    /// The caller gives up: a payload not yet started will not be written into its memory, and one being received is
    /// cut off (the rest is read into scratch memory). Completes once nothing more is written into the caller's memory.
    /// </summary>
    public Task AbandonAsync()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Waiting when Interlocked.CompareExchange(ref _state, Abandoned, Waiting) == Waiting:
                    return System.Threading.Tasks.Task.CompletedTask;
                case Receiving when Interlocked.CompareExchange(ref _state, AbandonedReceiving, Receiving) == Receiving:
                    _abandon!.Cancel();
                    return _payloadReleased.Task;
                case AbandonedReceiving:
                    return _payloadReleased.Task;
                case Done or Abandoned:
                    return System.Threading.Tasks.Task.CompletedTask;
            }
        }
    }
}
