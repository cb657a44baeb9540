using System.Globalization;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Orrery.MetricGraphs.Grains;

namespace Orrery.MetricGraphs.Experiment;

/// <summary>
/// Runs a <see cref="SamplingJob"/> on a cluster from its caller's side: starts a <see cref="ISamplingCoordinatorGrain"/>
/// under a fresh key, polls its progress, and fetches the result. The coordinator keeps the job in its activation only;
/// when its silo dies (a poll is rejected or times out, or finds a fresh activation without the job), the job is
/// started again under a new key. Results are deterministic, so a restarted job gives the same bits.
/// </summary>
public static class SamplingJobDriver
{
    /// <summary>Time between progress polls.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="job"/>. A job the coordinator refuses throws <see cref="SamplingRequestException"/>; one that
    /// fails (not a lost coordinator) throws <see cref="SamplingJobFailedException"/> with the coordinator's reason.
    /// <paramref name="started"/> hears of each start: the coordinator's key and its answer (ensembles, silo).
    /// </summary>
    public static async Task<SamplingRun> RunAsync(IGrainFactory grains, SamplingJob job, string name, IProgress<ExperimentProgress>? progress = null,
        Action<string>? say = null, int maxRestarts = 2, Action<string, StartSamplingReply>? started = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var plan = SamplingJobPlan.Validate(job);
        var id = $"{Sanitize(name)}-{Guid.NewGuid():N}"[..Math.Min(Sanitize(name).Length + 13, 60)];
        string? lostSilo = null;
        for (var attempt = 1; ; attempt++)
        {
            var key = $"{id}/a{attempt}";
            var coordinator = grains.GetGrain<ISamplingCoordinatorGrain>(key);
            try
            {
                if (lostSilo is not null)
                {
                    await LostSilo.WaitUntilGoneAsync(grains, lostSilo, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                var reply = await coordinator.StartAsync(job, cancellationToken).ConfigureAwait(false);
                lostSilo = reply.Silo;
                started?.Invoke(key, reply);
                while (true)
                {
                    await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                    var status = await coordinator.GetProgressAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                    switch (status.State)
                    {
                        case SamplingState.Running:
                            progress?.Report(new ExperimentProgress(status.Fraction, Describe(status)));
                            break;
                        case SamplingState.Done:
                            var result = await coordinator.GetResultAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                            progress?.Report(new ExperimentProgress(1, Describe(status)));
                            return new SamplingRun(key, result, SamplingWire.ToResult(result.Counts, plan.Options, plan.Graph), attempt - 1);
                        case SamplingState.Failed:
                            throw new SamplingJobFailedException($"sampling job {key} failed: {status.Error}");
                        default:
                            throw new CoordinatorLostException($"coordinator {key} no longer holds the job (its silo was lost or it was deactivated)");
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stop the job on the cluster too, or its ensembles would run on until idle.
                await CancelQuietlyAsync(coordinator).ConfigureAwait(false);
                throw;
            }
            catch (Exception e) when (e is OrleansMessageRejectionException or TimeoutException or CoordinatorLostException
                                      && attempt <= maxRestarts && !cancellationToken.IsCancellationRequested)
            {
                say?.Invoke($"the coordinator of sampling job {key} was lost ({e.Message}); starting the job again ({attempt} of {maxRestarts} restarts)");
            }
        }
    }

    private static async Task CancelQuietlyAsync(ISamplingCoordinatorGrain coordinator)
    {
        try
        {
            await coordinator.CancelAsync("cancelled by the client").WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // The coordinator is gone or slow: its job ends when it is deactivated.
        }
    }

    private static string Describe(SamplingProgressReply status)
    {
        var rate = status.ParticleStepsPerSecond.ToString("0.00e0", CultureInfo.InvariantCulture);
        return status.Replacements == 0 ? $"{rate} particle-steps/s" : $"{rate} particle-steps/s, {status.Replacements} ensemble moves";
    }

    private static string Sanitize(string name)
    {
        var text = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        return text.Length == 0 ? "sampling" : text.Length > 40 ? text[..40] : text;
    }

    /// <summary>A poll found a coordinator activation without the job: its silo was lost.</summary>
    private sealed class CoordinatorLostException(string message) : Exception(message);
}
