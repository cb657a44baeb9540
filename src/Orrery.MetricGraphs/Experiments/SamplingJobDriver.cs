using System.Diagnostics;
using System.Globalization;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Grains;

namespace Orrery.MetricGraphs.Experiments;

/// <summary>
/// Runs a <see cref="SamplingJob"/> on a cluster from its caller's side: starts a <see cref="ISamplingCoordinatorGrain"/>
/// under a fresh key, polls its progress, and fetches the result. The coordinator keeps the job in its activation only.
/// A job has exactly one live coordinator whatever membership does: the driver starts it again under a new key only
/// when a poll is answered by an activation that holds no job (<see cref="SamplingState.Unknown"/>) AND the silo that
/// hosted the original coordinator is no longer an active member of the cluster. A poll that fails or times out, or a
/// jobless answer while that silo still lives (a silo joining, Redis restarting: the directory may briefly route to a
/// fresh activation), only makes it poll again; if the original stays unreachable or jobless for
/// <see cref="DefaultOrphanPatience"/> while its silo lives, the run fails rather than run the job twice. Results are
/// deterministic, so a restarted job gives the same bits.
/// </summary>
public static class SamplingJobDriver
{
    /// <summary>Time between progress polls.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the driver waits for the original coordinator to answer again while its silo is still an active member
    /// before it gives the run up (it never starts a second copy of a job whose coordinator's silo lives).
    /// </summary>
    public static readonly TimeSpan DefaultOrphanPatience = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs <paramref name="job"/>. A job the coordinator refuses throws <see cref="SamplingRequestException"/>; one that
    /// fails (not a lost coordinator) throws <see cref="SamplingJobFailedException"/> with the coordinator's reason.
    /// <paramref name="started"/> hears of each start: the coordinator's key and its answer (ensembles, silo).
    /// Cancelling <paramref name="cancellationToken"/> cancels the job on the cluster before it throws.
    /// </summary>
    public static async Task<SamplingRun> RunAsync(IGrainFactory grains, SamplingJob job, string name, IProgress<ExperimentProgress>? progress = null,
        Action<string>? say = null, int maxRestarts = 2, Action<string, StartSamplingReply>? started = null, CancellationToken cancellationToken = default,
        TimeSpan? orphanPatience = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var plan = SamplingJobPlan.Validate(job);
        var id = $"{Sanitize(name)}-{Guid.NewGuid():N}"[..Math.Min(Sanitize(name).Length + 13, 60)];
        var patience = orphanPatience ?? DefaultOrphanPatience;
        string? lostSilo = null;
        for (var attempt = 1; ; attempt++)
        {
            var key = $"{id}/a{attempt}";
            var coordinator = grains.GetGrain<ISamplingCoordinatorGrain>(key);
            var release = true;
            try
            {
                if (lostSilo is not null)
                {
                    await LostSilo.WaitUntilGoneAsync(grains, lostSilo, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                var reply = await coordinator.StartAsync(job, cancellationToken).ConfigureAwait(false);
                lostSilo = reply.Silo;
                started?.Invoke(key, reply);
                var outcome = await PollAsync(grains, coordinator, key, reply.Silo, plan, progress, say, patience, cancellationToken).ConfigureAwait(false);
                return outcome with { Restarts = attempt - 1 };
            }
            catch (CoordinatorLostException e) when (attempt <= maxRestarts && !cancellationToken.IsCancellationRequested)
            {
                // The coordinator's silo is gone with the job; its ensembles elsewhere are collected as idle.
                release = false;
                say?.Invoke($"the coordinator of sampling job {key} was lost ({e.Message}); starting the job again ({attempt} of {maxRestarts} restarts)");
            }
            finally
            {
                // Finished (the result is here), failed, refused or cancelled (Ctrl-C: the ensembles would otherwise
                // run on until idle): the job's coordinator and ensembles end now.
                if (release)
                {
                    await ReleaseQuietlyAsync(coordinator).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Polls one coordinator until its job ends; throws <see cref="CoordinatorLostException"/> only when a restart is due.</summary>
    private static async Task<SamplingRun> PollAsync(IGrainFactory grains, ISamplingCoordinatorGrain coordinator, string key, string silo, SamplingJobPlan plan,
        IProgress<ExperimentProgress>? progress, Action<string>? say, TimeSpan patience, CancellationToken cancellationToken)
    {
        var lastHeard = Stopwatch.StartNew();
        var toldOfSilence = false;
        while (true)
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            SamplingProgressReply status;
            try
            {
                status = await coordinator.GetProgressAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is SiloUnavailableException || SiloLoss.Means(e)) && !cancellationToken.IsCancellationRequested)
            {
                // (Orleans cancels a directory lookup or placement under a call when membership changes: seen as an
                // OperationCanceledException right after the coordinator's silo was killed; ours would have cancelled the token.)
                // No answer: the silo may be gone or the cluster busy re-forming. Poll on; a fresh activation will answer
                // once membership has declared the silo dead.
                status = new SamplingProgressReply { State = SamplingState.Unknown, Error = $"{e.GetType().Name}: {e.Message}" };
            }

            switch (status.State)
            {
                case SamplingState.Running:
                    lastHeard.Restart();
                    if (toldOfSilence)
                    {
                        say?.Invoke($"the coordinator of sampling job {key} on silo {status.Silo} answers again");
                        toldOfSilence = false;
                    }

                    progress?.Report(new ExperimentProgress(status.Fraction, Describe(status)));
                    break;
                case SamplingState.Done:
                    var result = await coordinator.GetResultAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                    progress?.Report(new ExperimentProgress(1, Describe(status)));
                    return new SamplingRun(key, result, SamplingWire.ToResult(result.Counts, plan.Options, plan.Graph), 0);
                case SamplingState.Failed:
                    throw new SamplingJobFailedException($"sampling job {key} failed: {status.Error}");
                default:
                    var answered = status.Silo.Length > 0 ? $"an activation on silo {status.Silo} holds no job" : $"no answer ({status.Error})";
                    if (status.Silo.Length > 0 && await LostSilo.IsGoneAsync(grains, silo, cancellationToken).ConfigureAwait(false))
                    {
                        throw new CoordinatorLostException($"{answered}, and the coordinator's silo {silo} has left the cluster");
                    }

                    if (!toldOfSilence)
                    {
                        say?.Invoke($"the coordinator of sampling job {key} on silo {silo} did not answer ({answered}); its silo is still a member, so the job is not started again");
                        toldOfSilence = true;
                    }

                    if (lastHeard.Elapsed > patience)
                    {
                        throw new SamplingJobFailedException(
                            $"sampling job {key}: the coordinator on silo {silo} has not answered for {patience.TotalSeconds:F0} s while that silo is still a member ({answered}); " +
                            "not starting a second copy of the job");
                    }

                    break;
            }
        }
    }

    private static async Task ReleaseQuietlyAsync(ISamplingCoordinatorGrain coordinator)
    {
        try
        {
            await coordinator.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException)
        {
            // The coordinator is gone or slow: its job ends when it is deactivated.
        }
    }

    private static string Describe(SamplingProgressReply status)
    {
        var rate = status.ParticleStepsPerSecond.ToString("0.00e0", CultureInfo.InvariantCulture);
        var text = status.Replacements == 0 ? $"{rate} particle-steps/s" : $"{rate} particle-steps/s, {status.Replacements} ensemble moves";
        return status.Silo.Length == 0 ? text : $"{text}, coordinator on {status.Silo}";
    }

    private static string Sanitize(string name)
    {
        var text = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        return text.Length == 0 ? "sampling" : text.Length > 40 ? text[..40] : text;
    }

    /// <summary>A poll found a coordinator activation without the job: its silo was lost.</summary>
    private sealed class CoordinatorLostException(string message) : Exception(message);
}
