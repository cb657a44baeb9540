using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Diagnostics;

/// <summary>Forwards a call along a chain of grains; a key that repeats forms a call cycle.</summary>
[GrainType("diag.chain")]
public interface IChainGrain : IGrain
{
    /// <summary>Calls the grain named by the next key and appends this silo to the reply.</summary>
    Task<ChainReply> ForwardAsync(ChainRequest request, CancellationToken cancellationToken);
}
