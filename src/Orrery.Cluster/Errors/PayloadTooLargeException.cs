using Orleans;
using Orrery.Cluster.Transport;

namespace Orrery.Cluster.Errors;

/// <summary>A message or tensor payload exceeds the receiver's limit.</summary>
[GenerateSerializer]
[Alias("orrery.calls.payload-too-large")]
public sealed class PayloadTooLargeException : OrreryCallException
{
    public PayloadTooLargeException(string message)
        : base(message)
    {
    }

    public PayloadTooLargeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override CallStatus Status => CallStatus.PayloadTooLarge;
}
