using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Grains;

/// <summary>Hands out typed references to grains; the same from a client, a silo, or a grain.</summary>
public interface IGrainFactory
{
    /// <summary>A reference to the grain of interface <typeparamref name="T"/> and key <paramref name="key"/>, placed by rendezvous hashing.</summary>
    T GetGrain<T>(string key)
        where T : class, IGrain;

    /// <summary>
    /// A reference to a grain pinned to the silo named <paramref name="siloName"/> (coordinators use this to
    /// spread workers, one per device). Calls fail with <c>SiloUnavailableException</c> while that silo is not Active.
    /// </summary>
    T GetGrain<T>(string key, string siloName)
        where T : class, IGrain;
}
