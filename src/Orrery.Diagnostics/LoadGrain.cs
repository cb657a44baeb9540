using System.Collections.Concurrent;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// Sends small calls from the silo it runs on to echo grains placed on a target silo, keeping a fixed number in flight
/// (closed loop) or pacing them at a rate (open loop, so latency is measured at a load that does not adapt to it), and
/// reports throughput and latency percentiles.
/// </summary>
public sealed class LoadGrain(ILocalSiloDetails silo) : Grain, ILoadGrain
{
    /// <inheritdoc />
    public async Task<LoadReply> RunAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Calls <= 0 || request.Concurrency <= 0 || request.Keys <= 0)
        {
            throw new ArgumentException($"a load request needs calls, concurrency and keys above 0 (got {request.Calls}, {request.Concurrency}, {request.Keys})", nameof(request));
        }

        // The target grains are activated on the target silo first (a hint places new activations only); then the
        // measured calls go to references made once, as a client that calls the same grains again keeps them.
        var echoes = Enumerable.Range(0, request.Keys).Select(k => GrainFactory.GetGrain<IEchoGrain>($"{request.KeyPrefix}-{k}")).ToArray();
        var answeredBy = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        using (PlacementHint.On(request.Target))
        {
            foreach (var reply in await Task.WhenAll(echoes.Select(e => e.PeekAsync(new EchoRequest { Text = "warm" }, cancellationToken))))
            {
                answeredBy.TryAdd(reply.Silo, 0);
            }
        }

        var ping = new EchoRequest { Text = "x" };
        var measured = await LoadDriver.RunAsync(request.Calls, request.Concurrency, request.Rate, (i, token) => echoes[i % echoes.Length].PeekAsync(ping, token), cancellationToken);
        return new LoadReply
        {
            Calls = measured.Calls,
            Seconds = measured.Seconds,
            P50Us = measured.PercentileUs(0.50),
            P90Us = measured.PercentileUs(0.90),
            P99Us = measured.PercentileUs(0.99),
            MaxUs = measured.LatenciesUs[^1],
            Errors = measured.Errors,
            FirstError = measured.FirstError,
            Silo = silo.Name,
            AnsweredBy = [.. answeredBy.Keys.Order(StringComparer.Ordinal)],
        };
    }
}
