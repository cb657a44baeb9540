using System.Diagnostics;
using Orrery.Cluster.Grains;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// The built-in diagnostic job of <c>orrery demo</c>: small calls spread over the cluster, a call
/// chain that crosses silos, and a tensor round trip, each checked and timed.
/// </summary>
public static class DiagnosticJob
{
    /// <summary>What the job measured.</summary>
    public sealed record Result(
        int Calls, TimeSpan CallsElapsed, IReadOnlyDictionary<string, int> CallsPerSilo,
        IReadOnlyList<string> ChainSilos, long TensorBytes, TimeSpan TensorElapsed, bool TensorIntact);

    public static async Task<Result> RunAsync(IGrainFactory grains, int calls, int tensorBytes, CancellationToken cancellationToken)
    {
        // 1. Small calls over many keys, 64 in flight at a time.
        var perSilo = new Dictionary<string, int>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        var inFlight = new List<Task<EchoReply>>(64);
        for (var i = 0; i < calls; i++)
        {
            inFlight.Add(grains.GetGrain<IEchoGrain>($"demo-{i % 256}").EchoAsync(new EchoRequest { Text = "ping" }, cancellationToken));
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

        // 2. A chain through grains until three silos (or all there are) are crossed.
        var chain = new ChainRequest();
        for (var i = 0; i < 12; i++)
        {
            chain.Keys.Add($"demo-chain-{i}");
        }

        var chainReply = await grains.GetGrain<IChainGrain>(chain.Keys[0]).ForwardAsync(chain, cancellationToken).ConfigureAwait(false);

        // 3. A tensor there and back.
        var tensor = GC.AllocateUninitializedArray<byte>(tensorBytes);
        TensorChecksum.Fill(tensor, 7);
        var checksum = TensorChecksum.Compute(tensor);
        watch.Restart();
        var tensorReply = await grains.GetGrain<ITensorGrain>("demo-tensor").RoundTripAsync(new TensorRequest { Checksum = checksum, Payload = tensor }, cancellationToken).ConfigureAwait(false);
        var tensorElapsed = watch.Elapsed;
        var intact = tensorReply.Payload.Length == tensorBytes && TensorChecksum.Compute(tensorReply.Payload.Span) == checksum;
        return new Result(calls, callsElapsed, perSilo, [.. chainReply.Silos], tensorBytes, tensorElapsed, intact);
    }
}
