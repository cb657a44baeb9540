using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Experiments;

/// <summary>
/// Drives an <see cref="IPcaCoordinatorGrain"/> from a client: start, advance in slices, fetch the result. The coordinator
/// keeps the run in its activation only. A run has exactly one live coordinator whatever membership does: it is started
/// again from the same request under a new key only when an activation answers that holds no run
/// (<see cref="PcaRunLostException"/>) AND the coordinator's silo has left the cluster's membership. A rejected or
/// timed-out call, or a runless answer while that silo is still a member, is retried on the same coordinator for up to
/// <see cref="OrphanPatience"/> (or the caller's patience), after which the run fails rather than run twice. Synchronous runs are deterministic, so
/// a restarted run gives the same bits.
/// </summary>
public static class PcaJob
{
    /// <summary>How long the coordinator may stay unreachable or runless while its silo is still a member before the run fails.</summary>
    public static readonly TimeSpan OrphanPatience = TimeSpan.FromMinutes(2);

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
        Action<string, PcaStartReply>? started = null, CancellationToken cancellationToken = default, TimeSpan? orphanPatience = null)
    {
        var patience = orphanPatience ?? OrphanPatience;
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
                var lastHeard = Stopwatch.StartNew();
                var told = false;
                while (true)
                {
                    PcaAdvanceReply slice;
                    try
                    {
                        slice = await coordinator.AdvanceAsync(sliceSeconds, cancellationToken);
                        lastHeard.Restart();
                    }
                    catch (Exception e) when (e is OrleansMessageRejectionException or TimeoutException or PcaRunLostException && !cancellationToken.IsCancellationRequested)
                    {
                        // (A timeout may be a slice that overran: the coordinator is non-reentrant, so the next advance
                        // waits for it.) Restart only when an activation without the run answered and the silo is gone.
                        if (e is PcaRunLostException && await LostSilo.IsGoneAsync(grains, start.CoordinatorSilo, cancellationToken))
                        {
                            throw;
                        }

                        if (lastHeard.Elapsed > patience)
                        {
                            throw new PcaRunFailedException(
                                $"PCA run {key}: the coordinator on silo {start.CoordinatorSilo} has not answered for {patience.TotalSeconds:F0} s while that silo is still a member " +
                                $"({e.GetType().Name}: {e.Message}); not starting a second copy of the run");
                        }

                        if (!told)
                        {
                            say?.Invoke($"the coordinator of PCA run {key} on silo {start.CoordinatorSilo} did not answer ({e.GetType().Name}: {e.Message}); its silo is still a member, so the run is not started again");
                            told = true;
                        }

                        await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
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
            catch (PcaRunLostException e) when (attempt <= maxRestarts && !cancellationToken.IsCancellationRequested)
            {
                say?.Invoke($"the coordinator of PCA run {key} was lost ({e.GetType().Name}: {e.Message}); starting the run again ({attempt} of {maxRestarts} restarts)");
            }
        }
    }
}
