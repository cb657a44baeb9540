using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Experiments;

/// <summary>
/// Drives an <see cref="IPcaCoordinatorGrain"/> from a client: start, advance in slices, fetch the result. The coordinator
/// keeps the run in its activation only; when its silo dies (a call is rejected, finds a fresh activation without the
/// run, or times out more than <see cref="MaxTimedOutSlices"/> times in a row), the run is started again from the same
/// request under a new key. Synchronous runs are deterministic, so a restarted run gives the same bits.
/// </summary>
public static class PcaJob
{
    /// <summary>Advance calls that time out in a row before the coordinator is given up (a slice that met a dying silo may outlive its deadline).</summary>
    public const int MaxTimedOutSlices = 5;

    /// <summary>
    /// Runs <paramref name="request"/> on coordinators <c>NAME/a1</c>, <c>NAME/a2</c>, ... (the first placed on
    /// <paramref name="coordinatorSilo"/> when given), in slices of <paramref name="sliceSeconds"/>, reporting every slice
    /// to <paramref name="onSlice"/> (a restarted run reports its rounds from round 1 again) and every start to
    /// <paramref name="started"/>. A request the coordinator refuses throws <see cref="PcaRequestException"/>; a run that
    /// fails for good throws <see cref="PcaRunFailedException"/>.
    /// </summary>
    public static async Task<PcaJobResult> RunAsync(
        IGrainFactory grains, string name, PcaStartRequest request, Action<PcaAdvanceReply>? onSlice = null,
        SiloAddress? coordinatorSilo = null, double sliceSeconds = 1, int maxRestarts = 2, Action<string>? say = null,
        Action<string, PcaStartReply>? started = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var clock = Stopwatch.StartNew();
        string? lostSilo = null;
        for (var attempt = 1; ; attempt++)
        {
            var key = $"{name}/a{attempt}";
            var coordinator = grains.GetGrain<IPcaCoordinatorGrain>(key);
            try
            {
                if (lostSilo is not null)
                {
                    // The restarted run places its shards and workers on the active silos: wait until the lost one is not among them.
                    await LostSilo.WaitUntilGoneAsync(grains, lostSilo, cancellationToken: cancellationToken);
                }

                PcaStartReply start;
                using (attempt == 1 && coordinatorSilo is not null ? PlacementHint.On(coordinatorSilo) : null)
                {
                    start = await coordinator.StartAsync(request, cancellationToken);
                }

                lostSilo = start.CoordinatorSilo;
                started?.Invoke(key, start);
                var timedOut = 0;
                while (true)
                {
                    PcaAdvanceReply slice;
                    try
                    {
                        slice = await coordinator.AdvanceAsync(sliceSeconds, cancellationToken);
                        timedOut = 0;
                    }
                    catch (TimeoutException) when (++timedOut <= MaxTimedOutSlices)
                    {
                        // The coordinator is non-reentrant: the next advance waits for the one that overran.
                        continue;
                    }

                    onSlice?.Invoke(slice);
                    if (slice.Finished)
                    {
                        break;
                    }
                }

                var result = await coordinator.GetResultAsync();
                var vectors = new float[result.Components][];
                // Pages of at most VectorBlock.DefaultInlineLimitBytes (one vector when a vector is larger): the client
                // has no tensor channel, so the vectors come inside Orleans messages of bounded size.
                var perPage = Math.Max(1, VectorBlock.DefaultInlineLimitBytes / (sizeof(float) * Math.Max(1, result.Dimension)));
                for (var first = 0; first < vectors.Length; first += perPage)
                {
                    var count = Math.Min(perPage, vectors.Length - first);
                    var page = await coordinator.GetVectorsAsync(first, count);
                    for (var k = 0; k < count; k++)
                    {
                        vectors[first + k] = page.AsSpan(k * result.Dimension, result.Dimension).ToArray();
                    }
                }

                return new PcaJobResult(start, result, vectors, clock.Elapsed.TotalSeconds, key, attempt - 1);
            }
            catch (Exception e) when (e is OrleansMessageRejectionException or TimeoutException or PcaRunLostException
                                      && attempt <= maxRestarts && !cancellationToken.IsCancellationRequested)
            {
                say?.Invoke($"the coordinator of PCA run {key} was lost ({e.GetType().Name}: {e.Message}); starting the run again ({attempt} of {maxRestarts} restarts)");
            }
        }
    }
}
