using Orleans.Placement;

namespace Orrery.Cluster.Placement;

/// <summary>The grain class runs on any silo, chosen with probability proportional to its CPU cores.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CoreWeightedPlacementAttribute() : PlacementAttribute(CoreWeightedPlacementStrategy.Instance);
