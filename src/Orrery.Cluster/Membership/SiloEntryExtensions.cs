namespace Orrery.Cluster.Membership;

/// <summary>Identity and display helpers for membership rows.</summary>
public static class SiloEntryExtensions
{
    /// <summary>The row key: <c>host:port@generation</c>.</summary>
    public static string RowKey(this SiloEntry entry) => $"{entry.Host}:{entry.Port}@{entry.Generation}";

    /// <summary>The transport endpoint: <c>host:port</c>.</summary>
    public static string Endpoint(this SiloEntry entry) => $"{entry.Host}:{entry.Port}";

    /// <summary>True when both rows describe the same silo process.</summary>
    public static bool SameSilo(this SiloEntry entry, SiloEntry other) =>
        entry.Port == other.Port && entry.Generation == other.Generation && entry.Host == other.Host;

    /// <summary>The status as a short word for tables and logs.</summary>
    public static string StatusText(this SiloStatus status) => status switch
    {
        SiloStatus.Joining => "Joining",
        SiloStatus.Active => "Active",
        SiloStatus.ShuttingDown => "ShuttingDown",
        SiloStatus.Dead => "Dead",
        _ => "Unspecified",
    };
}
