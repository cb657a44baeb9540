using Orleans.Placement;

namespace Orrery.Cluster.Placement;

/// <summary>The grain class runs on silos with a GPU only, weighted by GPU count; with no such silo its activation fails with <see cref="NoCompatibleSiloException"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class GpuPlacementAttribute() : PlacementAttribute(GpuPlacementStrategy.Instance);
