using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>No silo of the cluster knows the grain type (or method) that was called.</summary>
public sealed class UnknownGrainTypeException : OrreryCallException
{
    public UnknownGrainTypeException(string message)
        : base(message)
    {
    }

    public UnknownGrainTypeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.UnknownGrainType;
}
