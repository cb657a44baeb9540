using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Experiments;

/// <summary>
/// Drives an <see cref="IPcaCoordinatorGrain"/> from a client: start, advance in slices (the set-up first, then the
/// rounds), fetch the result. The coordinator keeps the run in its activation only, so the run is started again from
/// the same request under a new key when, and only when, the coordinator's silo was lost: a call finds a fresh
/// activation (<see cref="PcaRunLostException"/>), or a call fails with an error that can mean a lost silo
/// (<see cref="SiloLoss.Means"/>) and the cluster no longer lists the coordinator's silo as active
/// (<see cref="LostSilo"/>). A call that times out or is rejected while that silo is active is asked again: the
/// coordinator is slow, not gone. Synchronous runs are deterministic, so a restarted run gives the same bits. However a
/// coordinator's run ends (its result fetched, a failure, a refusal, a cancellation) but by the loss of its silo, it is
/// released (<see cref="IPcaCoordinatorGrain.ReleaseAsync"/>): its grains and background work end then, not at idle collection.
/// </summary>
public static class PcaJob
{
    /// <summary>
    /// How long calls to a coordinator whose silo stays active may go on failing (timing out, being rejected) before the
    /// run is given up with <see cref="PcaRunFailedException"/>: 2 minutes, several times Orleans's 30 s response timeout.
    /// </summary>
    public static readonly TimeSpan UnansweredPatience = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs <paramref name="request"/> on coordinators <c>NAME/a1</c>, <c>NAME/a2</c>, ... (the first placed on
    /// <paramref name="coordinatorSilo"/> when given), in slices of <paramref name="sliceSeconds"/>, reporting every slice
    /// to <paramref name="onSlice"/> (a restarted run reports its rounds from round 1 again) and every start to
    /// <paramref name="started"/> (the coordinator's silo and the placements; the data's shape and the truth come with
    /// the result). A request the coordinator refuses throws <see cref="PcaRequestException"/>; a run that fails for good
    /// throws <see cref="PcaRunFailedException"/>.
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
            PcaStartReply? start = null;
            var release = true;
            try
            {
                if (lostSilo is not null)
                {
                    // The restarted run places its shards and workers on the active silos: wait until the lost one is not among them.
                    await LostSilo.WaitUntilGoneAsync(grains, lostSilo, cancellationToken: cancellationToken);
                }

                using (attempt == 1 && coordinatorSilo is not null ? PlacementHint.On(coordinatorSilo) : null)
                {
                    // Quick: the coordinator only takes the run. When this call fails the coordinator's silo is not
                    // known yet; the failed start holds nothing, so the run starts again under the next key.
                    start = await coordinator.StartAsync(request, cancellationToken);
                }

                lostSilo = start.CoordinatorSilo;
                started?.Invoke(key, start);
                var silo = start.CoordinatorSilo;
                var patient = new PatientCalls(
                    grains, silo, UnansweredPatience,
                    e => new PcaRunLostException($"coordinator '{key}': its silo '{silo}' is no longer active ({e.GetType().Name}: {e.Message})", e),
                    (e, waited) => new PcaRunFailedException(
                        $"coordinator '{key}' on silo '{silo}' has not answered for {waited.TotalSeconds:F0} s ({e.GetType().Name}: {e.Message}) though its silo is active", e),
                    e => say?.Invoke($"a call to the coordinator of PCA run {key} failed ({e.GetType().Name}); its silo '{silo}' is active, so asking again"),
                    cancellationToken);
                while (true)
                {
                    if (await patient.CallAsync(() => coordinator.AdvanceAsync(sliceSeconds, cancellationToken)) is not { } slice)
                    {
                        continue;
                    }

                    start = slice.Setup ?? start;
                    onSlice?.Invoke(slice);
                    if (slice.Finished)
                    {
                        break;
                    }
                }

                PcaResultReply? result;
                while ((result = await patient.CallAsync(coordinator.GetResultAsync)) is null)
                {
                }

                var vectors = new float[result.Components][];
                // Pages of at most VectorBlock.DefaultInlineLimitBytes (one vector when a vector is larger): the client
                // has no tensor channel, so the vectors come inside Orleans messages of bounded size.
                var perPage = Math.Max(1, VectorBlock.DefaultInlineLimitBytes / (sizeof(float) * Math.Max(1, result.Dimension)));
                for (var first = 0; first < vectors.Length; first += perPage)
                {
                    var count = Math.Min(perPage, vectors.Length - first);
                    float[]? page;
                    while ((page = await patient.CallAsync(() => coordinator.GetVectorsAsync(first, count))) is null)
                    {
                    }

                    for (var k = 0; k < count; k++)
                    {
                        vectors[first + k] = page.AsSpan(k * result.Dimension, result.Dimension).ToArray();
                    }
                }

                return new PcaJobResult(start, result, vectors, clock.Elapsed.TotalSeconds, key, attempt - 1);
            }
            catch (Exception e) when ((e is PcaRunLostException || (start is null && SiloLoss.Means(e)))
                                      && attempt <= maxRestarts && !cancellationToken.IsCancellationRequested)
            {
                // The coordinator's silo is gone with the run's state; its shards and workers elsewhere are collected as idle.
                release = false;
                say?.Invoke($"the coordinator of PCA run {key} was lost ({e.GetType().Name}: {e.Message}); starting the run again ({attempt} of {maxRestarts} restarts)");
            }
            finally
            {
                // Finished, failed, refused or cancelled (Ctrl-C): the run's grains and background work end now.
                if (release)
                {
                    await ReleaseQuietlyAsync(coordinator);
                }
            }
        }
    }

    /// <summary>Ends the run on the cluster (<see cref="IPcaCoordinatorGrain.ReleaseAsync"/>); a coordinator that is gone or slow has nothing more to give back here.</summary>
    private static async Task ReleaseQuietlyAsync(IPcaCoordinatorGrain coordinator)
    {
        try
        {
            await coordinator.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (SiloLoss.Means(e) || e is OrleansException)
        {
            // Its grains are collected as idle in the end.
        }
    }

    /// <summary>
    /// Whether <paramref name="failure"/>, from a call to a coordinator on silo <paramref name="coordinatorSilo"/>, means
    /// that silo is lost: a fresh activation without the run, or an error that can mean a lost silo
    /// (<see cref="SiloLoss.Means"/>: a rejection, a timeout) while the cluster no longer lists the silo as active
    /// (asked once, or for up to <paramref name="patience"/>). Anything else (a refused request, a failed run, a
    /// cancellation) is not, nor is a timeout or a rejection while the silo is active.
    /// </summary>
    public static async Task<bool> MeansCoordinatorLostAsync(IGrainFactory grains, string coordinatorSilo, Exception failure, TimeSpan patience = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure is PcaRunLostException
            || (SiloLoss.Means(failure) && await LostSilo.WaitUntilGoneAsync(grains, coordinatorSilo, patience, cancellationToken));
    }
}
