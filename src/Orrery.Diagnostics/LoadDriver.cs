using System.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// Makes a number of calls either closed loop (a fixed number in flight, each worker sending its
/// next call when the previous one is answered) or open loop (call <c>i</c> is due at
/// <c>i / rate</c> seconds, so the offered load does not adapt to the latency it measures). Shared
/// by <see cref="LoadGrain"/> and the benchmarks' peers, so both sides of a comparison are driven
/// and measured by the same code.
/// </summary>
public static class LoadDriver
{
    /// <param name="calls">Calls to make.</param>
    /// <param name="concurrency">Workers, which is the most calls in flight at once.</param>
    /// <param name="rate">Calls per second to pace at (open loop); 0 sends as fast as answers allow.</param>
    /// <param name="call">Makes call number <c>i</c>; a throw counts as an error, not as a stop.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<LoadMeasurement> RunAsync(
        int calls, int concurrency, double rate, Func<int, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(calls);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrency);
        var latencies = new double[calls];
        var next = -1;
        var errors = 0;
        var firstError = "";
        var interval = rate > 0 ? Stopwatch.Frequency / rate : 0;
        var start = Stopwatch.GetTimestamp();

        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var ready = Stopwatch.GetTimestamp();
                var due = start + (long)(i * interval);
                if (interval > 0)
                {
                    // Task.Delay is good to about a millisecond; closer than that the call goes out early.
                    var wait = Stopwatch.GetElapsedTime(ready, due);
                    if (wait.TotalMilliseconds > 1)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                }

                var sent = Stopwatch.GetTimestamp();
                try
                {
                    await call(i, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    if (Interlocked.Increment(ref errors) == 1)
                    {
                        firstError = $"{e.GetType().Name}: {e.Message}";
                    }
                }

                // Paced, a call whose worker was still waiting for its previous answer when the call
                // fell due counts from the due time, so slow answers are also charged to the calls
                // queued behind them (no coordinated omission); a call whose worker was free counts
                // from its send, so the timer's millisecond lateness is not charged to the system.
                var from = interval > 0 && ready > due ? due : sent;
                latencies[i] = Stopwatch.GetElapsedTime(from).TotalMicroseconds;
            }
        }

        var workers = new Task[concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(WorkerAsync, cancellationToken);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        return new LoadMeasurement(calls, seconds, latencies, errors, firstError);
    }
}
