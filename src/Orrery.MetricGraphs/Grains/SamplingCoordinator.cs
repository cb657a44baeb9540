using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// Drives one sampling job (the grain key names it). <see cref="StartAsync"/> validates the job, splits
/// the particles into ensembles over the Active silos' devices (pinned explicitly, one per device) and
/// returns; the ensembles then advance in slices in the background while callers poll
/// <see cref="GetProgressAsync"/>. When a call to an ensemble fails because its silo is gone (or the
/// ensemble lost its particles), the ensemble is re-placed on another live silo from its last checkpoint
/// and the counts of the slices after that checkpoint are dropped; counts are merged in ensemble order.
/// Every count is an integer and every particle's random numbers depend only on (seed, particle, step),
/// so the result is bitwise that of an undisturbed run on any number of silos and ensembles.
/// <para>
/// The job's state lives in this activation only: if the coordinator's own silo dies, the job is lost
/// and a poll finds a fresh activation in state UNKNOWN (or the call fails); the caller (the sampling
/// runner) then starts the job again under a new key, which gives the same result.
/// </para>
/// </summary>
public sealed partial class SamplingCoordinator : Grain, ISamplingCoordinatorGrain
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan NoSiloPatience = TimeSpan.FromSeconds(30);

    private readonly SamplingMetrics _metrics;
    private readonly ILogger<SamplingCoordinator> _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();
    private readonly Queue<(double Seconds, long ParticleSteps)> _rate = new();
    private readonly HashSet<string> _failedSilos = new(StringComparer.Ordinal);
    private SamplingJobPlan? _plan;
    private EnsembleSlot[] _slots = [];
    private SamplingState _state = SamplingState.Unknown;
    private string _error = "";
    private SamplingResult? _result;
    private int _replacements;
    private long _particleStepsComputed;
    private double _seconds;
    private Task? _run;

    /// <summary>Created by the silo.</summary>
    public SamplingCoordinator(IMeterFactory meterFactory, ILogger<SamplingCoordinator> logger)
    {
        _metrics = SamplingMetrics.For(meterFactory);
        _logger = logger;
    }

    /// <inheritdoc />
    public Task<StartSamplingReply> StartAsync(StartSamplingRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_state != SamplingState.Unknown)
            {
                CallErrors.ThrowBadRequest($"sampling job '{GrainId.Key}' was already started on this coordinator ({_state}); use a new key per job");
            }

            SamplingJobPlan plan;
            EnsembleSlot[] slots;
            try
            {
                plan = SamplingJobPlan.Validate(request.Job ?? throw new ArgumentException("StartSamplingRequest.job is missing"));
                slots = plan.Split(plan.Devices(ClusterView));
            }
            catch (ArgumentException e)
            {
                throw new BadRequestException($"sampling job '{GrainId.Key}': {e.Message}", e);
            }

            _plan = plan;
            _slots = slots;
            _state = SamplingState.Running;
            _clock.Start();
            LogStarted(GrainId.Key, plan.Job.Particles, slots.Length, string.Join(", ", slots.Select(s => $"{s.Silo}/{s.Device}").Distinct()));

            // The job outlives this call: its ensemble calls must not inherit this call's deadline or call chain.
            using (ExecutionContext.SuppressFlow())
            {
                _run = Task.Run(() => RunAsync(_stop.Token));
            }

            return Task.FromResult(new StartSamplingReply { Ensembles = slots.Length, Silo = SiloName });
        }
    }

    /// <inheritdoc />
    public Task<SamplingProgressReply> GetProgressAsync(SamplingProgressRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var reply = new SamplingProgressReply { State = _state, Error = _error, Replacements = _replacements, ParticleSteps = _particleStepsComputed };
            if (_plan is not null)
            {
                var total = (double)_plan.Options.Steps * _plan.Job.Particles;
                reply.Fraction = _state == SamplingState.Done ? 1 : _slots.Sum(s => (double)s.NextStep * s.Count) / total;
                reply.ParticleStepsPerSecond = Rate();
            }

            return Task.FromResult(reply);
        }
    }

    /// <inheritdoc />
    public Task<SamplingResultReply> GetResultAsync(SamplingResultRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            switch (_state)
            {
                case SamplingState.Done:
                    break;
                case SamplingState.Failed:
                    CallErrors.ThrowBadRequest($"sampling job '{GrainId.Key}' failed: {_error}");
                    break;
                case SamplingState.Running:
                    CallErrors.ThrowBadRequest($"sampling job '{GrainId.Key}' is still running");
                    break;
                default:
                    CallErrors.ThrowBadRequest($"coordinator '{GrainId.Key}' on silo '{SiloName}' holds no sampling job");
                    break;
            }

            var reply = new SamplingResultReply
            {
                Counts = SamplingWire.ToCounts(_result!),
                Seconds = _seconds,
                Replacements = _replacements,
                Silo = SiloName,
            };
            foreach (var slot in _slots)
            {
                var report = new EnsembleReport
                {
                    Index = slot.Index,
                    FirstParticle = slot.FirstParticle,
                    Count = slot.Count,
                    Silo = slot.Silo,
                    Device = slot.Device,
                    Placements = slot.Placement,
                    ComputeSeconds = slot.ComputeSeconds,
                    ParticleSteps = slot.ParticleSteps,
                };
                report.MovedFrom.AddRange(slot.MovedFrom);
                reply.Ensembles.Add(report);
            }

            return Task.FromResult(reply);
        }
    }

    /// <inheritdoc />
    public async Task<CancelSamplingReply> CancelAsync(CancelSamplingRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_state != SamplingState.Running)
            {
                return new CancelSamplingReply { State = _state };
            }

            if (_error.Length == 0)
            {
                _error = request.Reason.Length > 0 ? request.Reason : "cancelled";
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            return new CancelSamplingReply { State = _state };
        }
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            try
            {
                await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            await Task.WhenAll(_slots.Select(slot => DriveAsync(slot, failed))).ConfigureAwait(false);

            // Fixed order: ensemble 0, 1, ... (integer counts merge exactly in any order; the order keeps
            // the computation itself independent of which ensemble finished first).
            var result = SamplingResult.Merge(_slots.OrderBy(s => s.Index).Select(s => s.Committed!));
            lock (_gate)
            {
                _result = result;
                _seconds = _clock.Elapsed.TotalSeconds;
                _state = SamplingState.Done;
            }

            LogFinished(GrainId.Key, _seconds, _replacements);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _state = SamplingState.Failed;
                if (_error.Length == 0)
                {
                    _error = stop.IsCancellationRequested ? $"the coordinator on silo '{SiloName}' was deactivated" : $"{e.GetType().Name}: {e.Message}";
                }
            }

            LogFailed(GrainId.Key, _error);

            // Free the particles wherever the ensembles are now.
            foreach (var slot in _slots)
            {
                var key = slot.Key(GrainId.Key);
                _ = ReleaseQuietlyAsync(GrainFactory.GetGrain<IParticleEnsembleGrain>(key, slot.Silo), key);
            }
        }
    }

    /// <summary>Advances one ensemble to the end of the run, moving it when its silo fails.</summary>
    private async Task DriveAsync(EnsembleSlot slot, CancellationTokenSource failed)
    {
        var plan = _plan!;
        var steps = plan.Options.Steps;
        var job = GrainId.Key;
        var cancellationToken = failed.Token;
        try
        {
            while (slot.Committed is null || slot.CheckpointStep < steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var runId = slot.Key(job);
                var grain = GrainFactory.GetGrain<IParticleEnsembleGrain>(runId, slot.Silo);
                try
                {
                    if (!slot.Started)
                    {
                        var start = new StartEnsembleRequest
                        {
                            RunId = runId,
                            GraphJson = plan.Job.GraphJson,
                            Settings = plan.Job.Settings,
                            Initial = plan.Job.Initial,
                            FirstParticle = slot.FirstParticle,
                            Count = slot.Count,
                            Device = slot.Device,
                        };
                        if (slot.Checkpoint is { } saved)
                        {
                            start.FromCheckpoint = true;
                            start.CheckpointStep = slot.CheckpointStep;
                            start.Payload = saved;
                        }

                        var started = await grain.StartAsync(start, cancellationToken).ConfigureAwait(false);
                        lock (_gate)
                        {
                            slot.Device = started.Device;
                            slot.NextStep = started.NextStep;
                            slot.Started = true;
                            slot.SlicesSinceCheckpoint = 0;
                        }
                    }

                    var remaining = steps - slot.NextStep;
                    var sliceSteps = Math.Min(plan.SliceSteps, remaining);
                    var last = sliceSteps == remaining;
                    var checkpoint = !last && slot.SlicesSinceCheckpoint + 1 >= plan.CheckpointEvery;
                    var reply = await grain.AdvanceAsync(new AdvanceEnsembleRequest { RunId = runId, Steps = sliceSteps, Checkpoint = checkpoint }, cancellationToken).ConfigureAwait(false);
                    if (reply.NextStep != slot.NextStep + sliceSteps || reply.HasCheckpoint != checkpoint)
                    {
                        throw new InvalidOperationException(
                            $"ensemble {runId} on silo '{reply.Silo}' answered step {reply.NextStep} (checkpoint: {reply.HasCheckpoint}) to an advance from step {slot.NextStep} by {sliceSteps} (checkpoint: {checkpoint})");
                    }

                    var part = SamplingWire.ToResult(reply.Counts, plan.Options, plan.Graph);
                    lock (_gate)
                    {
                        slot.Pending.Add(part);
                        slot.NextStep = reply.NextStep;
                        slot.SlicesSinceCheckpoint++;
                        slot.ComputeSeconds += reply.ComputeSeconds;
                        slot.ParticleSteps += part.ParticleSteps;
                        _particleStepsComputed += part.ParticleSteps;
                        RecordRate();
                        if (checkpoint || last)
                        {
                            slot.Committed = SamplingResult.Merge(slot.Committed is null ? slot.Pending : [slot.Committed, .. slot.Pending]);
                            slot.Pending.Clear();
                            slot.Checkpoint = checkpoint ? reply.Payload : null;
                            slot.CheckpointStep = reply.NextStep;
                            slot.SlicesSinceCheckpoint = 0;
                        }
                    }
                }
                catch (Exception e) when ((IsPlacementFailure(e) || e is OperationCanceledException) && !cancellationToken.IsCancellationRequested)
                {
                    await MoveAsync(slot, grain, e, cancellationToken).ConfigureAwait(false);
                }
            }

            await ReleaseQuietlyAsync(GrainFactory.GetGrain<IParticleEnsembleGrain>(slot.Key(job), slot.Silo), slot.Key(job)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                if (_error.Length == 0)
                {
                    _error = $"ensemble {slot.Index} (particles {slot.FirstParticle}..{slot.FirstParticle + slot.Count - 1}, silo '{slot.Silo}'): {e.GetType().Name}: {e.Message}";
                }
            }

            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Errors after which the ensemble's particles must be assumed lost where they were. (A call the callee
    /// cancelled, while this job was not cancelled, counts too: its silo is shutting down.)
    /// </summary>
    private static bool IsPlacementFailure(Exception e) => e switch
    {
        SiloUnavailableException => true,
        GrainCallTimeoutException => true,
        UnknownGrainTypeException => true,
        BadRequestException bad => bad.Message.Contains(ParticleEnsemble.LostMarker, StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>Re-places <paramref name="slot"/> on another live silo, to continue from its last checkpoint.</summary>
    private async Task MoveAsync(EnsembleSlot slot, IParticleEnsembleGrain lost, Exception error, CancellationToken cancellationToken)
    {
        var plan = _plan!;
        var oldKey = slot.Key(GrainId.Key);
        var oldSilo = slot.Silo;
        int replacements;
        lock (_gate)
        {
            replacements = ++_replacements;
            _failedSilos.Add(oldSilo);
            if (replacements > plan.MaxReplacements(_slots.Length))
            {
                var hint = error is GrainCallTimeoutException ? " (a slice that takes longer than the call timeout fails everywhere: lower the slice size)" : "";
                throw new InvalidOperationException(
                    $"{replacements - 1} ensemble moves used up (SamplingJob.max_replacements); the last failure: {error.GetType().Name}: {error.Message}{hint}", error);
            }
        }

        _metrics.Replaced();

        // The old placement may still be alive (a timeout): free its particles if it is.
        _ = ReleaseQuietlyAsync(lost, oldKey);
        var waited = Stopwatch.StartNew();
        DeviceChoice? target = null;
        while (target is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var view = ClusterView;
            IReadOnlySet<string> avoid;
            lock (_gate)
            {
                avoid = new HashSet<string>(_failedSilos, StringComparer.Ordinal);
            }

            var devices = plan.Devices(view, avoid);
            if (devices.Count == 0 && waited.Elapsed > TimeSpan.FromSeconds(2))
            {
                // Every live silo has failed once: one of them may have recovered.
                devices = plan.Devices(view);
            }

            if (devices.Count > 0)
            {
                lock (_gate)
                {
                    // The device with the fewest unfinished ensembles; ties go to the first in endpoint order.
                    target = devices
                        .Select((d, order) => (Device: d, Order: order, Load: _slots.Count(s => s != slot && s.Silo == d.Silo && s.Device == d.Device && s.CheckpointStep < plan.Options.Steps)))
                        .OrderBy(c => c.Load).ThenBy(c => c.Order).First().Device;
                }
            }
            else if (waited.Elapsed > NoSiloPatience)
            {
                throw new InvalidOperationException($"no live silo to move ensemble {slot.Index} to after {NoSiloPatience.TotalSeconds:F0} s; the last failure: {error.Message}", error);
            }
            else
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }

        lock (_gate)
        {
            slot.MovedFrom.Add($"{oldSilo} at step {slot.NextStep} ({error.GetType().Name}: {error.Message})");
            slot.Silo = target.Silo;
            slot.Device = target.Device;
            slot.Placement++;
            slot.Started = false;
            _particleStepsComputed -= slot.Pending.Sum(p => p.ParticleSteps);
            slot.ParticleSteps -= slot.Pending.Sum(p => p.ParticleSteps);
            slot.Pending.Clear();
            slot.NextStep = slot.CheckpointStep;
        }

        LogMoved(slot.Index, GrainId.Key, oldSilo, target.Silo, target.Device, slot.CheckpointStep, error.Message);
    }

    private async Task ReleaseQuietlyAsync(IParticleEnsembleGrain grain, string runId)
    {
        try
        {
            await grain.ReleaseAsync(new ReleaseEnsembleRequest { RunId = runId }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrreryCallException or OperationCanceledException)
        {
            // Gone with its silo, or idle-deactivated later: nothing to free.
        }
    }

    /// <summary>Adds a (time, particle-steps) sample; called under the lock.</summary>
    private void RecordRate()
    {
        var now = _clock.Elapsed.TotalSeconds;
        _rate.Enqueue((now, _particleStepsComputed));
        while (_rate.Count > 2 && now - _rate.Peek().Seconds > RateWindow.TotalSeconds)
        {
            _rate.Dequeue();
        }
    }

    /// <summary>Particle-steps per second over the last few seconds (since the start while the window fills); called under the lock.</summary>
    private double Rate()
    {
        var now = _clock.Elapsed.TotalSeconds;
        if (_rate.Count == 0 || now <= 0)
        {
            return 0;
        }

        if (now < RateWindow.TotalSeconds || _rate.Count < 2)
        {
            return _particleStepsComputed / now;
        }

        var (since, stepsThen) = _rate.Peek();
        return now > since ? Math.Max(0, _particleStepsComputed - stepsThen) / (now - since) : 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sampling job {Job}: {Particles} particles in {Ensembles} ensembles on {Devices}")]
    private partial void LogStarted(string job, long particles, int ensembles, string devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sampling job {Job} finished in {Seconds:F2} s ({Replacements} ensemble moves)")]
    private partial void LogFinished(string job, double seconds, int replacements);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling job {Job} failed: {Error}")]
    private partial void LogFailed(string job, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ensemble {Index} of sampling job {Job} moved from silo {From} to {To}/{Device}, continuing from step {Step}: {Error}")]
    private partial void LogMoved(int index, string job, string from, string to, string device, long step, string error);
}
