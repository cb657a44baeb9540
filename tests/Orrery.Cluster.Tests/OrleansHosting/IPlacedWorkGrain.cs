using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>Reports where it was placed.</summary>
[Alias("orrery.tests.placed-work")]
public interface IPlacedWorkGrain : IGrainWithIntegerKey
{
    [Alias("silo")]
    Task<SiloAddress> SiloAsync();
}
