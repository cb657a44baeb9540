using Orleans;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>
/// Base of the typed errors a grain call can end with. <see cref="Status"/> is what travels
/// on the wire, so the caller gets the same type the callee raised.
/// </summary>
[GenerateSerializer]
public abstract class OrreryCallException : Exception
{
    protected OrreryCallException(string message)
        : base(message)
    {
    }

    protected OrreryCallException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The wire status for this error.</summary>
    public abstract CallStatus Status { get; }
}
