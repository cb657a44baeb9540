namespace Orrery.Cluster.Tests.Tensors;

/// <summary>
/// Tests that measure the process's resident memory run in this collection, after the parallel ones and with
/// nothing beside them: other tests' allocations would otherwise count against their bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone (measures process memory)";
}
