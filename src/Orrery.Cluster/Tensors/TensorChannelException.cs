using Orleans;

namespace Orrery.Cluster.Tensors;

/// <summary>
/// The base of the tensor channel's errors; workloads recover from its subtypes by type, never by message, so each is
/// serializable by Orleans and reaches a grain's remote caller as itself.
/// </summary>
[GenerateSerializer]
public abstract class TensorChannelException : Exception
{
    /// <summary>An error with the message the user sees.</summary>
    protected TensorChannelException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
