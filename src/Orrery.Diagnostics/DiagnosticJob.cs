using System.Diagnostics;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// The built-in diagnostic job of <c>orrery demo</c>: small calls spread over the cluster, a call chain that crosses
/// silos, and a tensor round trip between two silos by reference over the tensor channel, each checked and timed.
/// </summary>
public static class DiagnosticJob
{
    /// <summary>What the job measured.</summary>
    public sealed record Result(
        int Calls, TimeSpan CallsElapsed, IReadOnlyDictionary<string, int> CallsPerSilo,
        IReadOnlyList<string> ChainSilos, TensorRoundTripReply Tensor);

    /// <summary>Runs the job through <paramref name="grains"/> (a cluster client or a grain's factory).</summary>
    public static async Task<Result> RunAsync(Orleans.IGrainFactory grains, int calls, int tensorBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(calls);

        // 1. Small calls over 256 keys, 64 in flight at a time.
        var perSilo = new Dictionary<string, int>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        var inFlight = new List<Task<EchoReply>>(64);
        var ping = new EchoRequest { Text = "ping" };
        for (var i = 0; i < calls; i++)
        {
            inFlight.Add(grains.GetGrain<IEchoGrain>($"demo-{i % 256}").EchoAsync(ping, cancellationToken));
            if (inFlight.Count == 64 || i == calls - 1)
            {
                foreach (var reply in await Task.WhenAll(inFlight).ConfigureAwait(false))
                {
                    if (reply.Text != "ping")
                    {
                        throw new InvalidOperationException($"echo from silo '{reply.Silo}' answered '{reply.Text}' instead of 'ping'");
                    }

                    perSilo[reply.Silo] = perSilo.GetValueOrDefault(reply.Silo) + 1;
                }

                inFlight.Clear();
            }
        }

        var callsElapsed = watch.Elapsed;

        // 2. A chain through 12 grains, which crosses every silo of a small cluster: each link is first activated on
        // the active silos in turn (a placement hint; a chain of one), so the crossing does not depend on random
        // placement (3 silos, 12 random links: all three only 97.7% of the time).
        string[] keys = [.. Enumerable.Range(0, 12).Select(i => $"demo-chain-{i}")];
        var silos = await grains.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync().ConfigureAwait(false);
        for (var i = 0; i < keys.Length && silos.Length > 0; i++)
        {
            using (PlacementHint.On(silos[i % silos.Length].Address))
            {
                await grains.GetGrain<IChainGrain>(keys[i]).ForwardAsync(new ChainRequest { Keys = [keys[i]] }, cancellationToken).ConfigureAwait(false);
            }
        }

        var chain = await grains.GetGrain<IChainGrain>(keys[0]).ForwardAsync(new ChainRequest { Keys = keys }, cancellationToken).ConfigureAwait(false);

        // 3. A tensor to another silo and back, by reference.
        var tensor = await grains.GetGrain<ITensorGrain>($"demo-tensor-{Guid.NewGuid():N}")
            .RoundTripAsync(new TensorRoundTripRequest { Bytes = tensorBytes, PeerKey = $"demo-tensor-peer-{Guid.NewGuid():N}" }, cancellationToken).ConfigureAwait(false);
        return new Result(calls, callsElapsed, perSilo, chain.Silos, tensor);
    }
}
