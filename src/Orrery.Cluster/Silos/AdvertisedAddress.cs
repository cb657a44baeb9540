namespace Orrery.Cluster.Silos;

/// <summary>The address other members dial: the one set, else the bind address, or loopback when that is a wildcard.</summary>
public static class AdvertisedAddress
{
    /// <summary><paramref name="advertised"/> when set, else <paramref name="bind"/>, with 0.0.0.0 and :: becoming 127.0.0.1.</summary>
    public static string Resolve(string? advertised, string bind) =>
        !string.IsNullOrWhiteSpace(advertised) ? advertised
        : bind is "0.0.0.0" or "::" ? "127.0.0.1"
        : bind;
}
