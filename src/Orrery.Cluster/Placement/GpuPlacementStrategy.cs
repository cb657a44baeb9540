using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Placement;

/// <summary>Places a grain only on silos whose metadata offers a GPU, weighted by their GPU count (<see cref="ComputePlacementDirector"/>).</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.placement.gpu")]
public sealed class GpuPlacementStrategy : PlacementStrategy
{
    /// <summary>The one instance the attribute uses.</summary>
    public static GpuPlacementStrategy Instance { get; } = new();
}
