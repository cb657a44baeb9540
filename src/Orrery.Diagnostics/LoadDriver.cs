using System.Diagnostics;

namespace Orrery.Diagnostics;

/// <summary>
/// Makes a number of calls either closed loop (a fixed number in flight, each worker sending its
/// next call when the previous one is answered) or open loop (call <c>i</c> is due at
/// <c>i / rate</c> seconds, so the offered load does not adapt to the latency it measures). Shared
/// by <see cref="LoadGrain"/> and the benchmarks' peers, so both sides of a comparison are driven
/// and measured by the same code.
/// <para>Open loop, one pacer sends every call that is due (or due within the timer's millisecond) and sleeps on a
/// single timer in between; answers are recorded as they come, at most <c>concurrency</c> calls in flight. (An earlier
/// version gave each of <c>concurrency</c> workers a timer of its own: hundreds of timers per millisecond fired in
/// bursts through the thread pool, and the bursts' queueing was charged to the system under test.)</para>
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
        if (rate > 0)
        {
            return await RunOpenLoopAsync(calls, concurrency, Stopwatch.Frequency / rate, call, cancellationToken).ConfigureAwait(false);
        }

        var latencies = new double[calls];
        var next = -1;
        var errors = new ErrorTally();
        var start = Stopwatch.GetTimestamp();

        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    await call(i, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    errors.Record(e);
                }

                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMicroseconds;
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
        return new LoadMeasurement(calls, seconds, latencies, errors.Count, errors.First);
    }

    /// <summary>
    /// The open loop: call i is due at start + i x <paramref name="interval"/> (in Stopwatch ticks). A call sent when due
    /// (or up to the timer's millisecond early, or late by the timer's lateness) counts from its send; one that fell due
    /// while the pacer was held back because <paramref name="concurrency"/> calls were in flight counts from its due time,
    /// so slow answers are also charged to the calls queued behind them (no coordinated omission).
    /// </summary>
    private static async Task<LoadMeasurement> RunOpenLoopAsync(
        int calls, int concurrency, double interval, Func<int, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var latencies = new double[calls];
        var errors = new ErrorTally();
        using var gate = new SemaphoreSlim(concurrency, concurrency);

        // Answers are counted, not kept: a Task per call held to the end (hundreds of thousands) made every gen-0
        // collection promote the run's answers so far, in the very process that times the calls.
        var unanswered = calls;
        var allAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var oneMillisecond = Stopwatch.Frequency / 1000;
        var start = Stopwatch.GetTimestamp();
        var heldUntil = start; // when the pacer last got a slot after waiting for one

        async Task AnswerAsync(Task pending, int i, long from)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                errors.Record(e);
            }
            finally
            {
                latencies[i] = Stopwatch.GetElapsedTime(from).TotalMicroseconds;
                gate.Release();
                if (Interlocked.Decrement(ref unanswered) == 0)
                {
                    allAnswered.SetResult();
                }
            }
        }

        for (var i = 0; i < calls; i++)
        {
            var due = start + (long)(i * interval);
            var ahead = due - Stopwatch.GetTimestamp();
            if (ahead > oneMillisecond)
            {
                // Task.Delay is good to about a millisecond; closer than that the call goes out early.
                await Task.Delay(TimeSpan.FromTicks(ahead * TimeSpan.TicksPerSecond / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
            }

            if (!gate.Wait(0))
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                heldUntil = Stopwatch.GetTimestamp();
            }

            var sent = Stopwatch.GetTimestamp();
            Task pending;
            try
            {
                pending = call(i, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                pending = Task.FromException(e);
            }

            _ = AnswerAsync(pending, i, due < heldUntil ? due : sent);
        }

        await allAnswered.Task.ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        return new LoadMeasurement(calls, seconds, latencies, errors.Count, errors.First);
    }

    /// <summary>Calls that threw, counted from any thread, and the first one's message.</summary>
    private sealed class ErrorTally
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public string First { get; private set; } = "";

        public void Record(Exception e)
        {
            if (Interlocked.Increment(ref _count) == 1)
            {
                First = $"{e.GetType().Name}: {e.Message}";
            }
        }
    }
}
