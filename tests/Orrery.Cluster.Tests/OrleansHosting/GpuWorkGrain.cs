using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>A grain that needs a GPU.</summary>
[GpuPlacement]
public sealed class GpuWorkGrain(ILocalSiloDetails silo) : Grain, IGpuWorkGrain
{
    public Task<SiloAddress> SiloAsync() => Task.FromResult(silo.SiloAddress);
}
