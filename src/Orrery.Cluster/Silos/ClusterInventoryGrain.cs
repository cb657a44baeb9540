using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Cluster;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Answers <see cref="IClusterInventoryGrain"/> from the local silo's membership snapshot and silo-metadata cache:
/// the active silos, ordered by address, with their GPUs and cores.
/// </summary>
[StatelessWorker]
public sealed class ClusterInventoryGrain(IClusterMembershipService membership, ISiloMetadataCache metadata) : Grain, IClusterInventoryGrain
{
    /// <inheritdoc />
    public Task<ClusterSiloInfo[]> GetActiveSilosAsync() => Task.FromResult(ActiveSilos(membership, metadata));

    /// <summary>The active silos of <paramref name="membership"/>'s current snapshot, ordered by address.</summary>
    public static ClusterSiloInfo[] ActiveSilos(IClusterMembershipService membership, ISiloMetadataCache metadata)
    {
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentNullException.ThrowIfNull(metadata);
        return [.. membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .OrderBy(m => m.SiloAddress.ToParsableString(), StringComparer.Ordinal)
            .Select(m => Describe(m.Name, m.SiloAddress, metadata))];
    }

    /// <summary>The silo <paramref name="name"/> at <paramref name="address"/> with the devices its metadata offers.</summary>
    public static ClusterSiloInfo Describe(string name, SiloAddress address, ISiloMetadataCache metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var offered = metadata.GetSiloMetadata(address);
        return new ClusterSiloInfo
        {
            Name = name,
            Address = address,
            GpuDevices = SiloCapabilityMetadata.GpuDevices(offered),
            CpuCores = SiloCapabilityMetadata.CpuCores(offered),
        };
    }
}
