using Orrery.Cluster.Grains;
using Orrery.Contracts.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// Sends echo calls or tensor round trips to grains pinned on a target silo, keeping a fixed
/// number in flight (closed loop) or pacing them at a rate (open loop, so latency is measured
/// at a load that does not adapt to it), and reports throughput and latency percentiles.
/// </summary>
public sealed class LoadGrain : Grain, ILoadGrain
{
    public async Task<LoadReply> RunAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        if (request.Calls <= 0 || request.Concurrency <= 0 || request.Kind is not ("echo" or "tensor"))
        {
            throw new ArgumentException("LoadRequest needs calls > 0, concurrency > 0 and kind 'echo' or 'tensor'");
        }

        var keys = Math.Max(1, request.Keys);
        byte[] tensor = [];
        if (request.Kind == "tensor")
        {
            tensor = GC.AllocateUninitializedArray<byte>(checked((int)request.PayloadBytes));
            TensorChecksum.Fill(tensor, 3);
        }

        // LoadRequest.reply_bytes 0 means "no payload back"; the tensor grain echoes on 0 and
        // sends nothing on a negative size.
        var replyBytes = request.ReplyBytes > 0 ? request.ReplyBytes : -1;
        long bytesReceived = 0;

        // References made once, as a client that calls the same grains again keeps them (as the HTTP/2 peer keeps its HttpClient).
        var echoes = request.Kind == "echo" ? [.. Enumerable.Range(0, keys).Select(k => GrainFactory.GetGrain<IEchoGrain>($"load-{k}", request.TargetSilo))] : Array.Empty<IEchoGrain>();
        var tensors = request.Kind == "tensor" ? [.. Enumerable.Range(0, keys).Select(k => GrainFactory.GetGrain<ITensorGrain>($"load-{k}", request.TargetSilo))] : Array.Empty<ITensorGrain>();
        Task CallAsync(int i, CancellationToken token) =>
            request.Kind == "echo"
                ? echoes[i % keys].PeekAsync(new EchoRequest { Text = "x" }, token)
                : TensorAsync(tensors[i % keys], token);

        async Task TensorAsync(ITensorGrain grain, CancellationToken token)
        {
            var reply = await grain.RoundTripAsync(new TensorRequest { Payload = tensor, ReplyBytes = replyBytes }, token).ConfigureAwait(false);
            Interlocked.Add(ref bytesReceived, reply.Payload.Length);
        }

        var measured = await LoadDriver.RunAsync(request.Calls, request.Concurrency, request.Rate, CallAsync, cancellationToken).ConfigureAwait(false);
        return new LoadReply
        {
            Calls = measured.Calls,
            Seconds = measured.Seconds,
            BytesSent = (long)request.Calls * tensor.Length,
            BytesReceived = bytesReceived,
            P50Us = measured.PercentileUs(0.50),
            P90Us = measured.PercentileUs(0.90),
            P99Us = measured.PercentileUs(0.99),
            MaxUs = measured.LatenciesUs[^1],
            Errors = measured.Errors,
            FirstError = measured.FirstError,
            Silo = SiloName,
        };
    }
}
