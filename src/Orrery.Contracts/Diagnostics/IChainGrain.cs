using Orleans;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Forwards a call along a chain of grains, so a chain of keys crosses silos.</summary>
[Alias("orrery.diag.chain")]
public interface IChainGrain : IGrainWithStringKey
{
    /// <summary>Calls the grain named by the next key and puts this silo first in the reply.</summary>
    [Alias("forward")]
    Task<ChainReply> ForwardAsync(ChainRequest request, CancellationToken cancellationToken = default);
}
