using Orleans;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>The connection could not prove the cluster secret, or named another cluster.</summary>
[GenerateSerializer]
[Alias("orrery.calls.unauthorized")]
public sealed class ClusterUnauthorizedException : OrreryCallException
{
    public ClusterUnauthorizedException(string message)
        : base(message)
    {
    }

    public ClusterUnauthorizedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.Unauthorized;
}
