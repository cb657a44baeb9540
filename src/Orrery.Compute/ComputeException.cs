namespace Orrery.Compute;

/// <summary>The base of every error the compute backends raise: device, native library, kernel and driver failures.</summary>
public class ComputeException : Exception
{
    public ComputeException(string message)
        : base(message)
    {
    }

    public ComputeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
