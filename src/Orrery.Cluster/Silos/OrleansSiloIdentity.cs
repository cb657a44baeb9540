namespace Orrery.Cluster.Silos;

/// <summary>Who an Orleans silo is and where it listens, from the silo process's settings.</summary>
/// <param name="ClusterId">Orleans's cluster id (<c>Cluster:ClusterId</c>).</param>
/// <param name="Name">The silo's name (<c>Silo:Name</c>).</param>
/// <param name="BindAddress">The address Orleans's ports listen on.</param>
/// <param name="AdvertisedAddress">The address other members dial.</param>
/// <param name="RedisConnectionString">Redis for membership; null for development clustering in one process.</param>
public sealed record OrleansSiloIdentity(string ClusterId, string Name, string BindAddress, string AdvertisedAddress, string? RedisConnectionString);
