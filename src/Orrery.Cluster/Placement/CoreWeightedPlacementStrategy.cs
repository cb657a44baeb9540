using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Placement;

/// <summary>Places a grain on any silo, weighted by its CPU cores (<see cref="ComputePlacementDirector"/>).</summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.placement.cores")]
public sealed class CoreWeightedPlacementStrategy : PlacementStrategy
{
    /// <summary>The one instance the attribute uses.</summary>
    public static CoreWeightedPlacementStrategy Instance { get; } = new();
}
