using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <inheritdoc cref="IPingGrain" />
[CoreWeightedPlacement]
public sealed class PingGrain(ILocalSiloDetails silo) : Grain, IPingGrain
{
    /// <inheritdoc />
    public Task<SiloWhere> WhereAsync(CancellationToken cancellationToken = default) => Task.FromResult(new SiloWhere { Name = silo.Name, Address = silo.SiloAddress });
}
