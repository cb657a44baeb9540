using Orleans;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>The call did not complete before its deadline. The message names the chain of waiting grains.</summary>
[GenerateSerializer]
[Alias("orrery.calls.timeout")]
public class GrainCallTimeoutException : OrreryCallException
{
    public GrainCallTimeoutException(string message)
        : base(message)
    {
    }

    public GrainCallTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.Timeout;
}
