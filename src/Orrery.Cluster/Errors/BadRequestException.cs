using Orleans;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>The request could not be decoded or names a method the grain type does not have.</summary>
[GenerateSerializer]
[Alias("orrery.calls.bad-request")]
public class BadRequestException : OrreryCallException
{
    public BadRequestException(string message)
        : base(message)
    {
    }

    public BadRequestException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.BadRequest;
}
