using Orleans;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>A worker that needs a GPU.</summary>
[Alias("orrery.tests.gpu-work")]
public interface IGpuWorkGrain : IPlacedWorkGrain;
