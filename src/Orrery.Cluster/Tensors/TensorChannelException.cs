namespace Orrery.Cluster.Tensors;

/// <summary>The base of the tensor channel's errors; workloads recover from its subtypes by type, never by message.</summary>
public abstract class TensorChannelException : Exception
{
    /// <summary>An error with the message the user sees.</summary>
    protected TensorChannelException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
