using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>A CPU worker placed with probability proportional to CPU cores.</summary>
[CoreWeightedPlacement]
public sealed class CoreWorkGrain(ILocalSiloDetails silo) : Grain, ICoreWorkGrain
{
    public Task<SiloAddress> SiloAsync() => Task.FromResult(silo.SiloAddress);
}
