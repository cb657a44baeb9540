using Orrery.Cluster.Grains;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>Forwards a call to the grain named by the next key, so a chain A→B→C crosses silos.</summary>
public sealed class ChainGrain : Grain, IChainGrain
{
    public async Task<ChainReply> ForwardAsync(ChainRequest request, CancellationToken cancellationToken)
    {
        ChainReply reply;
        if (request.Keys.Count <= 1)
        {
            reply = new ChainReply();
        }
        else
        {
            var next = new ChainRequest();
            next.Keys.AddRange(request.Keys.Skip(1));
            reply = await GrainFactory.GetGrain<IChainGrain>(request.Keys[1]).ForwardAsync(next, cancellationToken).ConfigureAwait(false);
        }

        reply.Silos.Insert(0, SiloName);
        return reply;
    }
}
