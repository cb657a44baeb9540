using Orleans;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>The silo that owns the grain cannot be reached: refused, dead, restarted or shutting down.</summary>
[GenerateSerializer]
[Alias("orrery.calls.silo-unavailable")]
public sealed class SiloUnavailableException : OrreryCallException
{
    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    public SiloUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.SiloUnavailable;
}
