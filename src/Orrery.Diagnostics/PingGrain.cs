using Orleans.Runtime;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <inheritdoc cref="IPingGrain" />
public sealed class PingGrain(ILocalSiloDetails silo) : Orleans.Grain, IPingGrain
{
    /// <inheritdoc />
    public Task<string> WhereAsync() => Task.FromResult(silo.Name);
}
