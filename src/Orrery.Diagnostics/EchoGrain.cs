using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>Answers echo calls with the silo that ran them and how many calls this activation has served.</summary>
[CoreWeightedPlacement]
public sealed class EchoGrain(ILocalSiloDetails silo) : Grain, IEchoGrain
{
    private readonly long _activatedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private long _calls;
    private int _delaying;

    /// <inheritdoc />
    public async Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.DelayMs > 0)
        {
            Interlocked.Increment(ref _delaying);
            try
            {
                await Task.Delay(request.DelayMs, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _delaying);
            }
        }

        return Reply(request);
    }

    /// <inheritdoc />
    public Task<EchoReply> PeekAsync(EchoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(Reply(request));
    }

    private EchoReply Reply(EchoRequest request) => new()
    {
        Text = request.Text,
        Silo = silo.Name,
        Calls = Interlocked.Increment(ref _calls),
        ActivatedAtMs = _activatedAtMs,
        Delaying = Volatile.Read(ref _delaying),
    };
}
