namespace Orrery.Cluster.Membership;

/// <summary>A membership table could not be read or written (store unreachable, corrupt row).</summary>
public sealed class MembershipException : Exception
{
    public MembershipException(string message)
        : base(message)
    {
    }

    public MembershipException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
