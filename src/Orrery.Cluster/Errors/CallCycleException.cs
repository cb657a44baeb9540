using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>A call would wait on a grain whose turn is already waiting on this call: a deadlock, ended at once instead of at the deadline.</summary>
public sealed class CallCycleException : GrainCallTimeoutException
{
    public CallCycleException(string message)
        : base(message)
    {
    }

    public CallCycleException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.CallCycle;
}
