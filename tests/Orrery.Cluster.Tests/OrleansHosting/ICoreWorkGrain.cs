using Orleans;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>A CPU worker placed by core count.</summary>
[Alias("orrery.tests.core-work")]
public interface ICoreWorkGrain : IPlacedWorkGrain;
