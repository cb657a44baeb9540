using Orleans;
using Orleans.Runtime;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>Forwards a call to the grain named by the next key, so a chain A→B→C crosses silos.</summary>
public sealed class ChainGrain(ILocalSiloDetails silo) : Grain, IChainGrain
{
    /// <inheritdoc />
    public async Task<ChainReply> ForwardAsync(ChainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Keys.Count <= 1)
        {
            return new ChainReply { Silos = [silo.Name] };
        }

        var rest = await GrainFactory.GetGrain<IChainGrain>(request.Keys[1])
            .ForwardAsync(new ChainRequest { Keys = [.. request.Keys.Skip(1)] }, cancellationToken);
        return new ChainReply { Silos = [silo.Name, .. rest.Silos] };
    }
}
