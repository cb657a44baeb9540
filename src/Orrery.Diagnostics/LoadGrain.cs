using System.Diagnostics;
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
        var latencies = new double[request.Calls];
        byte[] tensor = [];
        if (request.Kind == "tensor")
        {
            tensor = GC.AllocateUninitializedArray<byte>(checked((int)request.PayloadBytes));
            TensorChecksum.Fill(tensor, 3);
        }

        var next = -1;
        var errors = 0;
        string firstError = "";
        long bytesReceived = 0;
        var clock = Stopwatch.StartNew();
        var interval = request.Rate > 0 ? 1.0 / request.Rate : 0;

        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < request.Calls)
            {
                if (interval > 0)
                {
                    var due = i * interval;
                    var wait = due - clock.Elapsed.TotalSeconds;
                    if (wait > 0.001)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken).ConfigureAwait(false);
                    }
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    var key = $"load-{i % keys}";
                    if (request.Kind == "echo")
                    {
                        await GrainFactory.GetGrain<IEchoGrain>(key, request.TargetSilo).PeekAsync(new EchoRequest { Text = "x" }, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        var reply = await GrainFactory.GetGrain<ITensorGrain>(key, request.TargetSilo)
                            .RoundTripAsync(new TensorRequest { Payload = tensor, ReplyBytes = request.ReplyBytes }, cancellationToken).ConfigureAwait(false);
                        Interlocked.Add(ref bytesReceived, reply.Payload.Length);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (Interlocked.Increment(ref errors) == 1)
                    {
                        firstError = e.Message;
                    }
                }

                // With pacing, latency counts from the scheduled send time, so a stall also delays
                // (and is charged to) the calls queued behind it: no coordinated omission.
                latencies[i] = interval > 0
                    ? (clock.Elapsed.TotalSeconds - (i * interval)) * 1e6
                    : Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, request.Concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken))).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new LoadReply
        {
            Calls = request.Calls,
            Seconds = seconds,
            BytesSent = (long)request.Calls * tensor.Length,
            BytesReceived = bytesReceived,
            P50Us = Percentile(latencies, 0.50),
            P90Us = Percentile(latencies, 0.90),
            P99Us = Percentile(latencies, 0.99),
            MaxUs = latencies[^1],
            Errors = errors,
            FirstError = firstError,
            Silo = SiloName,
        };
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
