using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>The grain method threw. The message carries the remote exception's type and message.</summary>
public sealed class GrainInvocationException : OrreryCallException
{
    public GrainInvocationException(string message)
        : base(message)
    {
    }

    public GrainInvocationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.ApplicationError;
}
