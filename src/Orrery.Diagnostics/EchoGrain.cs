using Orrery.Cluster.Grains;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>Answers echo calls with the silo that ran them and how many calls this activation has served.</summary>
public sealed class EchoGrain : Grain, IEchoGrain
{
    private readonly long _activatedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private long _calls;

    public async Task<EchoReply> EchoAsync(EchoRequest request, CancellationToken cancellationToken)
    {
        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, cancellationToken).ConfigureAwait(false);
        }

        return Reply(request);
    }

    public Task<EchoReply> PeekAsync(EchoRequest request, CancellationToken cancellationToken) => Task.FromResult(Reply(request));

    private EchoReply Reply(EchoRequest request) => new()
    {
        Text = request.Text,
        Silo = SiloName,
        SiloGeneration = SiloGeneration,
        Calls = Interlocked.Increment(ref _calls),
        ActivatedAtMs = _activatedAtMs,
    };
}
