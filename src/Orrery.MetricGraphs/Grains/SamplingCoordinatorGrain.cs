using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// Drives one sampling job (the grain key names it). <see cref="StartAsync"/> validates the job, splits the particles
/// into ensembles over the active silos' devices (one per device, each placed on its silo with a placement hint) and
/// returns; the ensembles then advance in slices in the background, on this activation's turns, while callers poll
/// <see cref="GetProgressAsync"/>. When a call to an ensemble fails with an error that means its silo is gone (see
/// <see cref="MeansLostPlacement"/>), the ensemble is placed again on another live silo from its last checkpoint (kept
/// here, fetched from the ensemble's tensor store) and the counts of the slices after that checkpoint are dropped;
/// counts are merged in ensemble order. Every count is an integer and every particle's random numbers depend only on
/// (seed, particle, step), so the result is bitwise that of an undisturbed run on any number of silos and ensembles.
/// <para>
/// The job's state lives in this activation only: if the coordinator's own silo dies, the job is lost and a poll
/// fails or finds a fresh activation in state <see cref="SamplingState.Unknown"/> (which then deactivates itself); the
/// caller (<see cref="Experiments.SamplingJobDriver"/>) starts the job again under a new key, which gives the same bits,
/// only once that silo has left the cluster's membership.
/// </para>
/// </summary>
public sealed partial class SamplingCoordinatorGrain : Grain, ISamplingCoordinatorGrain
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan NoSiloPatience = TimeSpan.FromSeconds(30);

    private readonly SamplingMetrics _metrics;
    private readonly ILogger<SamplingCoordinatorGrain> _logger;
    private readonly IClusterMembershipService _membership;
    private readonly ISiloMetadataCache _metadata;
    private readonly TensorChannel _tensors;
    private readonly string _siloName;
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
    public SamplingCoordinatorGrain(IMeterFactory meterFactory, ILogger<SamplingCoordinatorGrain> logger, IClusterMembershipService membership,
        ISiloMetadataCache metadata, TensorChannel tensors, ILocalSiloDetails silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _metrics = SamplingMetrics.For(meterFactory);
        _logger = logger;
        _membership = membership;
        _metadata = metadata;
        _tensors = tensors;
        _siloName = silo.Name;
    }

    private string Job => this.GetPrimaryKeyString();

    private IReadOnlyList<ClusterSiloInfo> ActiveSilos => ClusterInventoryGrain.ActiveSilos(_membership, _metadata);

    /// <inheritdoc />
    public Task<StartSamplingReply> StartAsync(SamplingJob job, CancellationToken cancellationToken)
    {
        if (_state != SamplingState.Unknown)
        {
            throw new SamplingRequestException($"sampling job '{Job}' was already started on this coordinator ({_state}); use a new key per job");
        }

        SamplingJobPlan plan;
        EnsembleSlot[] slots;
        try
        {
            plan = SamplingJobPlan.Validate(job ?? throw new ArgumentException("the job is missing"));
            slots = plan.Split(plan.Devices(ActiveSilos));
        }
        catch (ArgumentException e)
        {
            throw new SamplingRequestException($"sampling job '{Job}': {e.Message}");
        }

        _plan = plan;
        _slots = slots;
        _state = SamplingState.Running;
        _clock.Start();
        LogStarted(Job, plan.Job.Particles, slots.Length, string.Join(", ", slots.Select(s => $"{s.Silo}/{s.Device}").Distinct()));

        // The job outlives this call and runs on this activation's turns; it must not carry the caller's request
        // context (its placement hint, call chain) into the ensemble calls.
        using (ExecutionContext.SuppressFlow())
        {
            _run = Task.Factory.StartNew(() => RunAsync(_stop.Token), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current).Unwrap();
        }

        return Task.FromResult(new StartSamplingReply { Ensembles = slots.Length, Silo = _siloName });
    }

    /// <inheritdoc />
    public Task<SamplingProgressReply> GetProgressAsync()
    {
        var reply = new SamplingProgressReply { State = _state, Error = _error, Replacements = _replacements, ParticleSteps = _particleStepsComputed, Silo = _siloName };
        if (_state == SamplingState.Unknown)
        {
            // A jobless activation asked for progress: a fresh one (its job's silo was lost, or the directory routed
            // here during a membership change). It must not linger and shadow the job's own activation.
            DeactivateOnIdle();
        }

        if (_plan is not null)
        {
            var total = (double)_plan.Options.Steps * _plan.Job.Particles;
            reply.Fraction = _state == SamplingState.Done ? 1 : _slots.Sum(s => (double)s.NextStep * s.Count) / total;
            reply.ParticleStepsPerSecond = Rate();
        }

        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public Task<SamplingResultReply> GetResultAsync()
    {
        switch (_state)
        {
            case SamplingState.Done:
                break;
            case SamplingState.Failed:
                throw new SamplingJobFailedException($"sampling job '{Job}' failed: {_error}");
            case SamplingState.Running:
                throw new SamplingRequestException($"sampling job '{Job}' is still running");
            default:
                throw new SamplingRequestException($"coordinator '{Job}' on silo '{_siloName}' holds no sampling job");
        }

        var reply = new SamplingResultReply
        {
            Counts = SamplingWire.ToCounts(_result!),
            Seconds = _seconds,
            Replacements = _replacements,
            Silo = _siloName,
        };
        foreach (var slot in _slots)
        {
            reply.Ensembles.Add(new EnsembleReport
            {
                Index = slot.Index,
                FirstParticle = slot.FirstParticle,
                Count = slot.Count,
                Silo = slot.Silo,
                Device = slot.Device,
                Placements = slot.Placement,
                ComputeSeconds = slot.ComputeSeconds,
                ParticleSteps = slot.ParticleSteps,
                MovedFrom = [.. slot.MovedFrom],
            });
        }

        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public async Task<SamplingState> CancelAsync(string reason)
    {
        if (_state != SamplingState.Running)
        {
            return _state;
        }

        if (_error.Length == 0)
        {
            _error = string.IsNullOrEmpty(reason) ? "cancelled" : reason;
        }

        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run;
        }

        return _state;
    }

    /// <inheritdoc />
    public async Task ReleaseAsync()
    {
        if (_state == SamplingState.Running)
        {
            await CancelAsync("released by the client");
        }

        (_state, _result, _plan, _slots) = (SamplingState.Unknown, null, null, []);
        DeactivateOnIdle();
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A stray activation (a late cancellation or poll for a run already released) ends by itself.
        StrayActivation.EndUnlessGivenWork(this, () => _state != SamplingState.Unknown);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(cancellationToken);
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Errors after which an ensemble's particles must be assumed lost where they were: the silo is unreachable or
    /// refused the message (<see cref="OrleansMessageRejectionException"/>, <see cref="SiloUnavailableException"/>
    /// among them), no answer in time, a fresh activation without the particles, or a checkpoint whose owner is gone.
    /// </summary>
    internal static bool MeansLostPlacement(Exception e) => SiloLoss.Means(e) || e is EnsembleLostException;

    private async Task RunAsync(CancellationToken stop)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            await Task.WhenAll(_slots.Select(slot => DriveAsync(slot, failed)));

            // Fixed order: ensemble 0, 1, ... (integer counts merge exactly in any order; the order keeps the
            // computation itself independent of which ensemble finished first).
            _result = SamplingResult.Merge(_slots.OrderBy(s => s.Index).Select(s => s.Committed!));
            _seconds = _clock.Elapsed.TotalSeconds;
            _state = SamplingState.Done;
            LogFinished(Job, _seconds, _replacements);
        }
        catch (Exception e)
        {
            _state = SamplingState.Failed;
            if (_error.Length == 0)
            {
                _error = stop.IsCancellationRequested ? $"the coordinator on silo '{_siloName}' was deactivated" : $"{e.GetType().Name}: {e.Message}";
            }

            LogFailed(Job, _error);

            // Free the particles wherever the ensembles are now.
            foreach (var slot in _slots)
            {
                _ = ReleaseQuietlyAsync(slot.Key(Job));
            }
        }
    }

    /// <summary>Advances one ensemble to the end of the run, moving it when its silo fails.</summary>
    private async Task DriveAsync(EnsembleSlot slot, CancellationTokenSource failed)
    {
        var plan = _plan!;
        var steps = plan.Options.Steps;
        var cancellationToken = failed.Token;
        try
        {
            while (slot.Committed is null || slot.CheckpointStep < steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var runId = slot.Key(Job);
                var grain = GrainFactory.GetGrain<IParticleEnsembleGrain>(runId);
                try
                {
                    if (!slot.Started)
                    {
                        await StartEnsembleAsync(slot, grain, runId, cancellationToken);
                    }

                    var remaining = steps - slot.NextStep;
                    var sliceSteps = Math.Min(plan.SliceSteps, remaining);
                    var last = sliceSteps == remaining;
                    var checkpoint = !last && slot.SlicesSinceCheckpoint + 1 >= plan.CheckpointEvery;
                    var reply = await grain.AdvanceAsync(new AdvanceEnsembleRequest { RunId = runId, Steps = sliceSteps, Checkpoint = checkpoint }, cancellationToken);
                    if (reply.NextStep != slot.NextStep + sliceSteps || (reply.Checkpoint is not null) != checkpoint)
                    {
                        throw new InvalidOperationException(
                            $"ensemble {runId} on silo '{reply.Silo}' answered step {reply.NextStep} (checkpoint: {reply.Checkpoint is not null}) to an advance from step {slot.NextStep} by {sliceSteps} (checkpoint: {checkpoint})");
                    }

                    // The state after the slice, copied here before the slice counts: a silo lost meanwhile loses both.
                    var saved = reply.Checkpoint is { } held ? await _tensors.FetchAsync<byte>(held, cancellationToken) : null;
                    var part = SamplingWire.ToResult(reply.Counts, plan.Options, plan.Graph);
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
                        slot.Checkpoint = saved;
                        slot.CheckpointStep = reply.NextStep;
                        slot.SlicesSinceCheckpoint = 0;
                    }
                }
                catch (Exception e) when ((MeansLostPlacement(e) || e is OperationCanceledException) && !cancellationToken.IsCancellationRequested)
                {
                    // (A call the callee cancelled while this job was not cancelled counts too: its silo is shutting down.)
                    await MoveAsync(slot, e, cancellationToken);
                }
            }

            await ReleaseQuietlyAsync(slot.Key(Job));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (_error.Length == 0)
            {
                _error = $"ensemble {slot.Index} (particles {slot.FirstParticle}..{slot.FirstParticle + slot.Count - 1}, silo '{slot.Silo}'): {e.GetType().Name}: {e.Message}";
            }

            await failed.CancelAsync();
            throw;
        }
    }

    /// <summary>Starts the slot's current placement on its silo, from its last checkpoint when it has one.</summary>
    private async Task StartEnsembleAsync(EnsembleSlot slot, IParticleEnsembleGrain grain, string runId, CancellationToken cancellationToken)
    {
        var plan = _plan!;
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
            // Lent through this silo's tensor store for the one read the new placement makes.
            start.Checkpoint = _tensors.Put(saved, new TensorLifetime(ParticleEnsembleGrain.CheckpointTimeToLive, MaxReads: 1));
            start.CheckpointStep = slot.CheckpointStep;
        }

        try
        {
            StartEnsembleReply started;
            using (PlacementHint.On(slot.Address))
            {
                started = await grain.StartAsync(start, cancellationToken);
            }

            // Where Orleans really placed it: the hinted silo, or another when that one had gone meanwhile.
            slot.Silo = started.Silo;
            slot.Address = started.Address ?? slot.Address;
            slot.Device = started.Device;
            slot.NextStep = started.NextStep;
            slot.Started = true;
            slot.SlicesSinceCheckpoint = 0;
        }
        finally
        {
            if (start.Checkpoint is { } lent)
            {
                await _tensors.ReleaseAsync(lent, CancellationToken.None);
            }
        }
    }

    /// <summary>Places <paramref name="slot"/> again on another live silo, to continue from its last checkpoint.</summary>
    private async Task MoveAsync(EnsembleSlot slot, Exception error, CancellationToken cancellationToken)
    {
        var plan = _plan!;
        var oldKey = slot.Key(Job);
        var oldSilo = slot.Silo;
        var replacements = ++_replacements;
        _failedSilos.Add(oldSilo);
        if (replacements > plan.MaxReplacements(_slots.Length))
        {
            var hint = error is TimeoutException ? " (a slice that takes longer than the call timeout fails everywhere: lower the slice size)" : "";
            throw new InvalidOperationException(
                $"{replacements - 1} ensemble moves used up (SamplingJob.MaxReplacements); the last failure: {error.GetType().Name}: {error.Message}{hint}", error);
        }

        _metrics.Replaced();

        // The old placement may still be alive (a timeout): free its particles if it is.
        _ = ReleaseQuietlyAsync(oldKey);
        var waited = Stopwatch.StartNew();
        DeviceChoice? target = null;
        while (target is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var silos = ActiveSilos;
            var devices = plan.Devices(silos, _failedSilos);
            if (devices.Count == 0 && waited.Elapsed > TimeSpan.FromSeconds(2))
            {
                // Every live silo has failed once: one of them may have recovered.
                devices = plan.Devices(silos);
            }

            if (devices.Count > 0)
            {
                // The device with the fewest unfinished ensembles; ties go to the first in address order.
                target = devices
                    .Select((d, order) => (Device: d, Order: order, Load: _slots.Count(s => s != slot && s.Silo == d.Silo && s.Device == d.Device && s.CheckpointStep < plan.Options.Steps)))
                    .OrderBy(c => c.Load).ThenBy(c => c.Order).First().Device;
            }
            else if (waited.Elapsed > NoSiloPatience)
            {
                throw new InvalidOperationException($"no live silo to move ensemble {slot.Index} to after {NoSiloPatience.TotalSeconds:F0} s; the last failure: {error.Message}", error);
            }
            else
            {
                await Task.Delay(250, cancellationToken);
            }
        }

        slot.MovedFrom.Add($"{oldSilo} at step {slot.NextStep} ({error.GetType().Name}: {error.Message})");
        slot.Silo = target.Silo;
        slot.Address = target.Address;
        slot.Device = target.Device;
        slot.Placement++;
        slot.Started = false;
        _particleStepsComputed -= slot.Pending.Sum(p => p.ParticleSteps);
        slot.ParticleSteps -= slot.Pending.Sum(p => p.ParticleSteps);
        slot.Pending.Clear();
        slot.NextStep = slot.CheckpointStep;
        LogMoved(slot.Index, Job, oldSilo, target.Silo, target.Device, slot.CheckpointStep, error.Message);
    }

    private async Task ReleaseQuietlyAsync(string runId)
    {
        try
        {
            await GrainFactory.GetGrain<IParticleEnsembleGrain>(runId).ReleaseAsync(runId);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException)
        {
            // Gone with its silo, or idle-deactivated later: nothing to free.
        }
    }

    /// <summary>Adds a (time, particle-steps) sample.</summary>
    private void RecordRate()
    {
        var now = _clock.Elapsed.TotalSeconds;
        _rate.Enqueue((now, _particleStepsComputed));
        while (_rate.Count > 2 && now - _rate.Peek().Seconds > RateWindow.TotalSeconds)
        {
            _rate.Dequeue();
        }
    }

    /// <summary>Particle-steps per second over the last few seconds (since the start while the window fills).</summary>
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

    [LoggerMessage(EventId = OrreryLogEvents.SamplingJobStarted, Level = LogLevel.Information, Message = "Sampling job {Job}: {Particles} particles in {Ensembles} ensembles on {Devices}")]
    private partial void LogStarted(string job, long particles, int ensembles, string devices);

    [LoggerMessage(EventId = OrreryLogEvents.SamplingJobFinished, Level = LogLevel.Information, Message = "Sampling job {Job} finished in {Seconds:F2} s ({Replacements} ensemble moves)")]
    private partial void LogFinished(string job, double seconds, int replacements);

    [LoggerMessage(EventId = OrreryLogEvents.SamplingJobFailed, Level = LogLevel.Warning, Message = "Sampling job {Job} failed: {Error}")]
    private partial void LogFailed(string job, string error);

    [LoggerMessage(EventId = OrreryLogEvents.SamplingEnsembleMoved, Level = LogLevel.Warning, Message = "Ensemble {Index} of sampling job {Job} moved from silo {From} to {To}/{Device}, continuing from step {Step}: {Error}")]
    private partial void LogMoved(int index, string job, string from, string to, string device, long step, string error);
}
