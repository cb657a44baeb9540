namespace Orrery.Cluster.Transport;

/// <summary>A request sent on a connection and not yet answered.</summary>
internal sealed class PendingCall(long deadlineMs, object description, Func<int, Memory<byte>>? responsePayload = null)
{
    private readonly TaskCompletionSource<InboundFrame> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    public void Complete(InboundFrame frame) => _completion.TrySetResult(frame);

    public void Fail(Exception error) => _completion.TrySetException(error);
}
