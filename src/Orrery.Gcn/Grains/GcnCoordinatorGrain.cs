using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Compute;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Gcn;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Grains;

/// <summary>
/// Drives one GCN run over its partition grains, with the results of <see cref="InProcessTrainer"/> (the reference it
/// is tested against bit for bit): per layer forward the boundary exchange, the loss, per layer backward the gradient
/// exchange, the weight gradients summed in part order, Adam here, and an evaluation pass every
/// <c>training.evaluate_every</c> epochs and after the last. Parts run each phase in parallel; the coordinator only
/// routes the small block descriptions between them.
/// <para>
/// In vanilla mode each exchange runs before the layer that reads it. In the pipelined modes the exchange of iteration
/// t's layer l starts once the layer has read its stale rows (features after its forward, boundary gradients after
/// its finished backward) and runs on in the background, through the rest of the iteration, the evaluation and the
/// start of iteration t + 1; each part commits the rows as they all arrive (with the run's smoothing), and the
/// coordinator waits for that exchange only where iteration t + 1 reads it: before layer l's forward, before layer
/// l's finished backward (that wait is the exposed exchange time it reports). The in-process trainer commits every
/// layer at the end of the iteration instead; as no computation reads a layer's rows between the two points, the
/// results are the same bits. The exchanges still in flight after the last epoch are waited for before the run
/// reports that epoch.
/// </para>
/// <para>
/// A part whose silo is lost (a call rejected or timed out, a tensor owner gone, or a fresh activation that holds no
/// part) is set up again on a live silo under a new placement number, and the phase that failed runs again from its
/// start: the training step before Adam (the weights have not moved), or the evaluation. In vanilla mode an epoch
/// depends only on the weights and the epoch number (dropout is keyed by both), so the run's bits are those of an
/// undisturbed run. In the pipelined modes the re-placed part starts with empty stale halo rows and boundary
/// gradients (what it received during the epoch before), so the next epoch reads zeros where it would have read
/// last epoch's rows; and before any recovery the exchanges in flight are waited out and dropped, so the iteration
/// run again reads, per part and layer, the last rows committed before the failure (last iteration's, the one before
/// it where an exchange was cut short, or the failed attempt's own where its exchange had already arrived: the same
/// values it is about to send). Pipelined recovery is held to an accuracy margin, not to bits.
/// </para>
/// <para>
/// An epoch runs off the advance call that starts it (on this activation's scheduler, between calls' turns); a call
/// waits for it at most a third of the response timeout, and a later call takes it when it ends. A release cancels it
/// between phases.
/// </para>
/// </summary>
public sealed partial class GcnCoordinatorGrain(
    IClusterMembershipService membership, ISiloMetadataCache metadata, ILocalSiloDetails silo, TensorChannel tensors, IOptions<SiloMessagingOptions> messaging,
    ILogger<GcnCoordinatorGrain> logger)
    : Grain, IGcnCoordinatorGrain
{
    private GcnTrainRequest? _request;
    private GcnRunSetup? _setup;
    private GcnParameters? _parameters;
    private AdamOptimizer? _adam;
    /// <summary>Recoveries in a row after which the run fails (the cluster is not coming back).</summary>
    private const int MaxConsecutiveRecoveries = 5;

    /// <summary>How long a recovery waits for membership to name the lost silo (a killed silo is declared dead in seconds).</summary>
    private static readonly TimeSpan LossPatience = TimeSpan.FromSeconds(45);

    private IGcnPartitionGrain[] _parts = [];
    private SiloAddress[] _partSilos = [];
    private string[] _partDevices = [];
    private int[] _placements = [];
    private int _recoveries;
    private Task<GcnRunSetup>? _building;
    private GcnPartInfo[] _partInfos = [];
    private GcnStartReply? _ready;
    private float[] _weights = [];
    private float[] _gradient = [];
    private int _epoch;

    /// <summary>Pipelined modes: the exchanges of the last iteration still in flight, by layer.</summary>
    private readonly CarriedExchanges _carried = new();

    /// <summary>The epoch in flight, started by an advance call and taken by the call that sees it end.</summary>
    private Task<(GcnEpochRecord Record, GcnCheckpoint? Checkpoint)>? _running;

    /// <summary>Cancelled when the run is released: stops the epoch in flight.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <inheritdoc />
    public Task<GcnStartReply> StartAsync(GcnTrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_request is not null)
        {
            throw new GcnRequestException($"GCN run '{this.GetPrimaryKeyString()}' is already started");
        }

        if (request.Parts < 1)
        {
            throw new GcnRequestException($"parts is {request.Parts}; it must be at least 1");
        }

        if (request.EvaluateEvery < 1)
        {
            throw new GcnRequestException($"training.evaluate_every is {request.EvaluateEvery}; it must be at least 1");
        }

        _request = request;
        LogStarted(this.GetPrimaryKeyString(), request.Parts, request.Partitioning, request.Mode, request.Epochs);

        // The build runs off the activation's turn; SetUpAsync waits for it in bounded slices.
        _building = Task.Run(() => GcnRunSetup.Shared(request), CancellationToken.None);
        return Task.FromResult(new GcnStartReply { CoordinatorSilo = silo.Name, Phase = "building the graph and the partition plans" });
    }

    /// <inheritdoc />
    public async Task<GcnStartReply> SetUpAsync(double seconds, CancellationToken cancellationToken)
    {
        var request = _request ?? throw new GcnRunLostException($"GCN run '{this.GetPrimaryKeyString()}' was not started (a fresh activation)");
        if (_ready is { } ready)
        {
            return ready;
        }

        var until = Stopwatch.GetTimestamp() + (long)(Math.Clamp(seconds, 0.01, 60) * Stopwatch.Frequency);
        if (_setup is null)
        {
            if (await Task.WhenAny(_building!, Task.Delay(Remaining(until), CancellationToken.None)) != _building)
            {
                return new GcnStartReply { CoordinatorSilo = silo.Name, Phase = "building the graph and the partition plans" };
            }

            try
            {
                _setup = await _building;
            }
            catch (Exception e) when (e is not GcnRequestException)
            {
                throw new GcnRequestException(e.Message);
            }

            var device = ComputeDevices.SharedCpuOnly.Cpu;
            _parameters = new GcnParameters(device, _setup.Model);
            _parameters.Initialise();
            _adam = new AdamOptimizer(_parameters.TotalLength, request.LearningRate, request.WeightDecay);
            _weights = new float[_parameters.TotalLength];
            _gradient = new float[_parameters.TotalLength];

            // One part per device of the active silos in turn (GcnDevicePlan), each pinned to its silo by a placement hint
            // at its first call.
            var slots = GcnDevicePlan.Assign(SiloInfos(), request.Device, request.Parts);
            _placements = new int[request.Parts];
            _partSilos = [.. slots.Select(s => s.Silo)];
            _partDevices = [.. slots.Select(s => s.Device)];
            _parts = [.. Enumerable.Range(0, request.Parts).Select(Part)];
            _partInfos = new GcnPartInfo[request.Parts];
        }

        var waiting = Enumerable.Range(0, _parts.Length).Where(p => _partInfos[p] is not { Ready: true }).ToArray();
        var infos = await Task.WhenAll(waiting.Select(p => SetUpPartAsync(p, Remaining(until).TotalSeconds, cancellationToken)));
        for (var i = 0; i < waiting.Length; i++)
        {
            _partInfos[waiting[i]] = infos[i];
        }

        var setUp = _partInfos.Count(info => info is { Ready: true });
        if (setUp < _parts.Length)
        {
            return new GcnStartReply { CoordinatorSilo = silo.Name, Phase = $"setting up the parts ({setUp} of {_parts.Length} ready)" };
        }

        _ready = new GcnStartReply
        {
            Nodes = _setup.Graph.NodeCount,
            Edges = _setup.Graph.EdgeCount,
            RowsExchangedPerLayer = PartitionReport.RowsExchangedPerLayer(_setup.Plans),
            Parts = [.. _partInfos],
            CoordinatorSilo = silo.Name,
            PartitionCsv = PartitionReport.ToCsv(_setup.Plans),
            Ready = true,
            Phase = "ready",
        };
        LogReady(this.GetPrimaryKeyString(), _ready.Nodes, _ready.Edges, _parts.Length, string.Join(", ", _partSilos.Select((a, p) => $"{a}/{_partDevices[p]}")), _ready.RowsExchangedPerLayer);
        return _ready;
    }

    /// <inheritdoc />
    public async Task<GcnAdvanceReply> AdvanceAsync(double seconds, CancellationToken cancellationToken)
    {
        var request = _request ?? throw new GcnRunLostException($"GCN run '{this.GetPrimaryKeyString()}' was not started (a fresh activation)");
        if (_ready is null)
        {
            throw new GcnRequestException($"GCN run '{this.GetPrimaryKeyString()}' is not set up yet (call SetUpAsync until it is ready)");
        }

        // An epoch runs off this call (as _running) and may outlast it: the call waits for the first epoch at most
        // MaxWait, below the response timeout, and the next call picks the epoch up where it is. So an epoch longer than
        // Orleans's response timeout (a large graph, a recovery that waits for membership) never fails the client's call.
        var now = Stopwatch.GetTimestamp();
        var maxWait = MaxWait;
        var until = now + (long)(Math.Clamp(seconds, 0, maxWait.TotalSeconds) * Stopwatch.Frequency);
        var firstBy = now + (long)(maxWait.TotalSeconds * Stopwatch.Frequency);
        var reply = new GcnAdvanceReply();
        while (true)
        {
            if (_running is null)
            {
                if (_epoch >= request.Epochs || (reply.Epochs.Count > 0 && Stopwatch.GetTimestamp() >= until))
                {
                    break;
                }

                _running = RunEpochAsync(_epoch, _stopping.Token);
            }

            if (!_running.IsCompleted)
            {
                var wait = Remaining(reply.Epochs.Count == 0 ? firstBy : until);
                if (wait > TimeSpan.Zero)
                {
                    await Task.WhenAny(_running, Task.Delay(wait, cancellationToken));
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (!_running.IsCompleted)
                {
                    break;
                }
            }

            var running = _running;
            _running = null;
            var (record, checkpoint) = await running;
            reply.Epochs.Add(record);
            reply.Checkpoint = checkpoint ?? reply.Checkpoint;
        }

        reply.Finished = _epoch >= request.Epochs && _running is null;
        if (reply.Finished && reply.Epochs.Count > 0)
        {
            var last = reply.Epochs[^1];
            LogFinished(this.GetPrimaryKeyString(), request.Epochs, last.Loss, last.TestAccuracy, _recoveries);
        }

        reply.Recoveries = _recoveries;
        reply.PartSilos = [.. _partSilos.Select(a => a.ToString())];
        return reply;
    }

    /// <summary>
    /// One epoch (training step, then the evaluation pass when it is due), each phase repeated after a lost part is set
    /// up again. It runs on this activation's scheduler between the calls' turns and moves the run on (epoch, weights)
    /// only when it is whole.
    /// </summary>
    private async Task<(GcnEpochRecord Record, GcnCheckpoint? Checkpoint)> RunEpochAsync(int epoch, CancellationToken cancellationToken)
    {
        var request = _request!;
        var clock = Stopwatch.StartNew();
        var exchange = new ExchangeClock();
        var train = await WithRecoveryAsync(() => StepAsync(epoch, exchange, cancellationToken), cancellationToken);
        var stepSeconds = clock.Elapsed.TotalSeconds;
        var last = epoch + 1 == request.Epochs;
        var evaluation = (SplitScores?)null;
        if (last || (epoch + 1) % request.EvaluateEvery == 0)
        {
            evaluation = await WithRecoveryAsync(() => EvaluateAsync(exchange, cancellationToken), cancellationToken);
        }

        var evaluationSeconds = clock.Elapsed.TotalSeconds - stepSeconds;
        if (last)
        {
            // The last iteration's exchanges are read by no one, but they end before the run reports its end: the wait
            // counts as the last step's exposed exchange.
            var drained = clock.Elapsed;
            await exchange.Training(() => _carried.DrainAsync());
            stepSeconds += (clock.Elapsed - drained).TotalSeconds;
        }

        var record = new GcnEpochRecord
        {
            Epoch = epoch,
            Loss = train.Loss,
            TrainAccuracy = evaluation?.Accuracy(0) ?? double.NaN,
            ValidationAccuracy = evaluation?.Accuracy(1) ?? double.NaN,
            TestAccuracy = evaluation?.Accuracy(2) ?? double.NaN,
            Seconds = stepSeconds,
            ExchangeSeconds = exchange.TrainingSeconds,
            ExchangedBytes = exchange.Bytes,
            EvaluationSeconds = evaluation is null ? 0 : evaluationSeconds,
        };
        _epoch = epoch + 1;
        var checkpoint = request.CheckpointEvery > 0 && (_epoch % request.CheckpointEvery == 0 || _epoch == request.Epochs) ? Checkpoint() : null;
        return (record, checkpoint);
    }

    /// <summary>The longest an advance call waits for an epoch: a third of the silo's response timeout, at most 10 s.</summary>
    private TimeSpan MaxWait => TimeSpan.FromTicks(Math.Min(messaging.Value.ResponseTimeout.Ticks / 3, TimeSpan.FromSeconds(10).Ticks));

    /// <inheritdoc />
    public Task ResumeAsync(GcnCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var request = _request ?? throw new GcnRunLostException($"GCN run '{this.GetPrimaryKeyString()}' was not started (a fresh activation)");
        if (_ready is null || _epoch != 0 || _running is not null)
        {
            throw new GcnRequestException($"GCN run '{this.GetPrimaryKeyString()}' can resume only once set up and before it trains (it is at epoch {_epoch}{(_running is null ? "" : ", training")})");
        }

        var length = _parameters!.TotalLength;
        if (checkpoint.Epoch < 0 || checkpoint.Epoch > request.Epochs)
        {
            throw new GcnRequestException($"the checkpoint's epoch is {checkpoint.Epoch}; the run has {request.Epochs} epochs");
        }

        if (checkpoint.Weights.Length != length || checkpoint.AdamFirst.Length != length || checkpoint.AdamSecond.Length != length)
        {
            throw new GcnRequestException($"the checkpoint holds {checkpoint.Weights.Length} weights and {checkpoint.AdamFirst.Length}/{checkpoint.AdamSecond.Length} Adam moments; this model has {length} parameters");
        }

        _parameters.Load(checkpoint.Weights);
        _adam!.Restore(checkpoint.AdamSteps, checkpoint.AdamFirst, checkpoint.AdamSecond);
        _epoch = checkpoint.Epoch;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<List<GcnWeight>> GetWeightsAsync()
    {
        var parameters = _parameters ?? throw new GcnRunLostException($"GCN run '{this.GetPrimaryKeyString()}' was not started (a fresh activation)");
        return Task.FromResult(parameters.Entries.Select(e => new GcnWeight { Name = e.Name, Rows = e.Value.Rows, Columns = e.Value.Columns, Values = e.Value.ToArray() }).ToList());
    }

    /// <inheritdoc />
    public async Task ReleaseAsync()
    {
        await StopEpochAsync();
        try
        {
            // Pipelined exchanges still in flight (a run released before its end) stop with the cancelled epoch.
            await _carried.DrainAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            // A part that does not answer: releasing it below is all that is left to do.
        }

        var parts = _parts;
        _parts = [];
        await Task.WhenAll(parts.Select(ReleaseQuietlyAsync));
        if (_request is { } request)
        {
            GcnRunSetup.Forget(request);
            LogReleased(this.GetPrimaryKeyString(), parts.Length, _epoch, request.Epochs);
        }

        _parameters?.Dispose();
        (_parameters, _adam, _setup, _request, _ready, _building) = (null, null, null, null, null, null);
        DeactivateOnIdle();
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A stray activation (a late cancellation or poll for a run already released) ends by itself.
        StrayActivation.EndUnlessGivenWork(this, () => _request is not null);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _parameters?.Dispose();
        _parameters = null;
        return Task.CompletedTask;
    }

    /// <summary>Cancels the epoch in flight, if any, and waits (bounded) until it has stopped calling the parts.</summary>
    private async Task StopEpochAsync()
    {
        _stopping.Cancel();
        if (_running is { } running)
        {
            _running = null;
            try
            {
                await running.WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception)
            {
                // The run is being released: what the epoch was doing no longer matters.
            }
        }
    }

    /// <summary>Releases <paramref name="part"/>; a part whose silo is gone, or that does not answer in time, has nothing left to free here.</summary>
    private static async Task ReleaseQuietlyAsync(IGcnPartitionGrain part)
    {
        try
        {
            await part.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // Collected as idle in the end.
        }
    }

    /// <summary>Runs <paramref name="phase"/>; when it fails because a part was lost, sets the lost parts up again and runs it again.</summary>
    private async Task<T> WithRecoveryAsync<T>(Func<Task<T>> phase, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await phase();
            }
            catch (Exception e) when ((SiloLoss.Means(e) || e is GcnPartLostException) && attempt < MaxConsecutiveRecoveries && !cancellationToken.IsCancellationRequested)
            {
                // No exchange may still write into a part while it is replaced or the phase runs again.
                await _carried.DrainAsync();
                await RecoverAsync(e, cancellationToken);
                _recoveries++;
            }
        }
    }

    /// <summary>
    /// Finds the parts that are gone (their silo no longer active, or a fresh activation without the part), waiting up
    /// to <see cref="LossPatience"/> for membership to say which, and sets each up again on a live silo.
    /// </summary>
    private async Task RecoverAsync(Exception failure, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var failed = new HashSet<SiloAddress>();
        while (true)
        {
            var active = ActiveSilos().ToHashSet();
            var lost = new List<int>();
            for (var p = 0; p < _parts.Length; p++)
            {
                if (!active.Contains(_partSilos[p]) || !await IsSetUpAsync(p))
                {
                    lost.Add(p);
                    failed.Add(_partSilos[p]);
                }
            }

            // Silos that held a lost part are left out while membership may still list them (a killed silo is declared
            // dead a few seconds later); when every silo is among them, one may be back.
            var live = active.Where(a => !failed.Contains(a)).OrderBy(a => a.ToParsableString(), StringComparer.Ordinal).ToArray();
            live = live.Length > 0 ? live : [.. active.OrderBy(a => a.ToParsableString(), StringComparer.Ordinal)];
            if (lost.Count > 0 && live.Length > 0)
            {
                // The live silos' devices of the run's kind (training.device); with 'gpu' and no GPU left the run fails here.
                var liveSilos = SiloInfos().Where(info => live.Contains(info.Address)).ToList();
                var devices = GcnDevicePlan.Devices(liveSilos, _request!.Device);
                if (devices.Count == 0)
                {
                    throw GcnDevicePlan.NoDevice(liveSilos.Count, _request.Device);
                }

                var from = lost.Select(p => $"{_partSilos[p]}/{_partDevices[p]}").ToArray();
                foreach (var p in lost)
                {
                    _placements[p]++;
                    var slot = devices[(p + _placements[p]) % devices.Count];
                    (_partSilos[p], _partDevices[p]) = (slot.Silo, slot.Device);
                    _parts[p] = Part(p);
                }

                try
                {
                    await Task.WhenAll(lost.Select(p => SetUpPartFullyAsync(p, cancellationToken)));
                    LogPartsReplaced(this.GetPrimaryKeyString(), string.Join(", ", lost.Select((p, i) => $"part {p} {from[i]} -> {_partSilos[p]}/{_partDevices[p]}")),
                        failure.GetType().Name, failure.Message, _epoch, waited.Elapsed.TotalSeconds);
                    return;
                }
                catch (Exception e) when (SiloLoss.Means(e) || e is GcnPartLostException)
                {
                    // A silo chosen for a lost part is going too: look again.
                }
            }

            if (waited.Elapsed > LossPatience)
            {
                throw new GcnRequestException($"GCN run '{this.GetPrimaryKeyString()}' lost a part ({failure.GetType().Name}: {failure.Message}) and could not place it again within {LossPatience.TotalSeconds} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>True when part <paramref name="part"/> answers that it holds its part; false when it is a fresh activation or does not answer.</summary>
    private async Task<bool> IsSetUpAsync(int part)
    {
        try
        {
            return await _parts[part].IsSetUpAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (SiloLoss.Means(e))
        {
            return false;
        }
    }

    private IGcnPartitionGrain Part(int part) => GrainFactory.GetGrain<IGcnPartitionGrain>($"{this.GetPrimaryKeyString()}/part-{part}/p{_placements[part]}");

    /// <summary>Sets part <paramref name="part"/> up on its silo (a placement hint there for its first activation), waiting at most <paramref name="waitSeconds"/>.</summary>
    private Task<GcnPartInfo> SetUpPartAsync(int part, double waitSeconds, CancellationToken cancellationToken)
    {
        using (PlacementHint.On(_partSilos[part]))
        {
            return _parts[part].SetUpAsync(_request!, part, _partDevices[part], waitSeconds, cancellationToken);
        }
    }

    /// <summary>Sets part <paramref name="part"/> up, asking again while it builds (each call bounded to 5 s).</summary>
    private async Task SetUpPartFullyAsync(int part, CancellationToken cancellationToken)
    {
        while (!(await SetUpPartAsync(part, 5, cancellationToken)).Ready)
        {
        }
    }

    private static TimeSpan Remaining(long until) => TimeSpan.FromSeconds(Math.Max(0, (until - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));

    /// <summary>The active silos with the devices they offer, in address order; this silo alone while membership lists none yet.</summary>
    private IReadOnlyList<ClusterSiloInfo> SiloInfos()
    {
        var silos = ClusterInventoryGrain.ActiveSilos(membership, metadata);
        if (silos.Length > 0)
        {
            return silos;
        }

        return [ClusterInventoryGrain.Describe(silo.Name, silo.SiloAddress, metadata)];
    }

    private IEnumerable<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);

    /// <summary>
    /// One training iteration across the parts, with <see cref="InProcessTrainer.Step"/>'s results. In the pipelined
    /// modes each layer's exchange of this iteration is started once the layer has read last iteration's rows and is
    /// carried on in the background; the wait for last iteration's exchange of a layer, just before that layer reads its
    /// rows, is the exposed exchange time the epoch reports.
    /// </summary>
    private async Task<SplitScores> StepAsync(int iteration, ExchangeClock exchange, CancellationToken cancellationToken)
    {
        var (config, settings) = (_setup!.Model, _setup.Exchange);
        try
        {
            var weights = WeightsBlock();
            await Task.WhenAll(_parts.Select(p => p.BeginForwardAsync(iteration, true, weights)));
            for (var l = 0; l < config.Layers; l++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var aggregates = config.ExchangesFeatures(l);
                if (aggregates && !settings.Stale)
                {
                    await exchange.Training(() => ExchangeFeaturesAsync(l, evaluation: false, commit: true, cancellationToken));
                }

                if (aggregates && settings.Stale && _carried.Take(features: true, l) is { } arriving)
                {
                    await exchange.Training(() => arriving);
                }

                await Task.WhenAll(_parts.Select(p => p.ForwardLayerAsync(l)));
                if (aggregates && settings.Stale)
                {
                    _carried.Put(features: true, l, ExchangeFeaturesAsync(l, evaluation: false, commit: true, cancellationToken));
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            var scores = Sum(await Task.WhenAll(_parts.Select(p => p.ComputeLossAsync())));
            for (var l = config.Layers - 1; l >= 0; l--)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var aggregates = config.ExchangesGradients(l);
                await Task.WhenAll(_parts.Select(p => p.BackwardLayerAsync(l)));
                if (aggregates && !settings.Stale)
                {
                    await exchange.Training(() => ExchangeGradientsAsync(l, commit: true, cancellationToken));
                }

                if (aggregates && settings.Stale && _carried.Take(features: false, l) is { } arriving)
                {
                    await exchange.Training(() => arriving);
                }

                await Task.WhenAll(_parts.Select(p => p.FinishBackwardLayerAsync(l)));
                if (aggregates && settings.Stale)
                {
                    _carried.Put(features: false, l, ExchangeGradientsAsync(l, commit: true, cancellationToken));
                }
            }

            // Weight gradients summed in part order (the in-process trainer's order, so the sum is the same to the bit).
            Array.Clear(_gradient);
            foreach (var share in await Task.WhenAll(_parts.Select(async p => await GcnBlocks.UnpackAsync(tensors, await p.WeightGradientsAsync(), cancellationToken))))
            {
                for (var i = 0; i < share.Length; i++)
                {
                    _gradient[i] += share[i];
                }
            }

            _parameters!.CopyTo(_weights);
            _adam!.Step(_weights, _gradient);
            _parameters.Load(_weights);
            return scores;
        }
        catch
        {
            // A failed iteration is run again (after recovery): no exchange may still be writing then.
            await _carried.DrainAsync();
            throw;
        }
    }

    /// <summary>A forward pass without dropout and with exact halo rows, as <see cref="InProcessTrainer.Evaluate"/>.</summary>
    private async Task<SplitScores> EvaluateAsync(ExchangeClock exchange, CancellationToken cancellationToken)
    {
        var config = _setup!.Model;
        var weights = WeightsBlock();
        await Task.WhenAll(_parts.Select(p => p.BeginForwardAsync(0, false, weights)));
        for (var l = 0; l < config.Layers; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (config.ExchangesFeatures(l))
            {
                exchange.Bytes += await ExchangeFeaturesAsync(l, evaluation: true, commit: true, cancellationToken);
            }

            await Task.WhenAll(_parts.Select(p => p.ForwardLayerAsync(l)));
        }

        return Sum(await Task.WhenAll(_parts.Select(p => p.ComputeLossAsync())));
    }

    private async Task<long> ExchangeFeaturesAsync(int layer, bool evaluation, bool commit, CancellationToken cancellationToken)
    {
        var sent = (await Task.WhenAll(_parts.Select(p => p.SendFeaturesAsync(layer, evaluation)))).SelectMany(b => b).ToList();
        var received = await Task.WhenAll(_parts.Select((p, q) => p.ReceiveFeaturesAsync(layer, evaluation, commit, Addressed(sent, q), cancellationToken)));
        return received.Sum();
    }

    private async Task<long> ExchangeGradientsAsync(int layer, bool commit, CancellationToken cancellationToken)
    {
        var sent = (await Task.WhenAll(_parts.Select(p => p.SendGradientsAsync(layer)))).SelectMany(b => b).ToList();
        var received = await Task.WhenAll(_parts.Select((p, q) => p.ReceiveGradientsAsync(layer, commit, Addressed(sent, q), cancellationToken)));
        return received.Sum();
    }

    /// <summary>
    /// The weights for a forward pass, a copy of the current parameters: inline up to the run's limit, above it put once in
    /// this silo's tensor store for every part to read (so a large model stays out of the Orleans messages).
    /// </summary>
    private GcnBlock WeightsBlock()
    {
        var weights = new float[_parameters!.TotalLength];
        _parameters.CopyTo(weights);
        return GcnBlocks.Pack(tensors, weights, _request!.InlineLimitBytes, GcnBlocks.Coordinator, GcnBlocks.Coordinator, _parts.Length);
    }

    /// <summary>The blocks addressed to part <paramref name="part"/>, in sender order.</summary>
    private static List<GcnBlock> Addressed(List<GcnBlock> blocks, int part) => [.. blocks.Where(b => b.To == part).OrderBy(b => b.From)];

    private static SplitScores Sum(GcnScores[] parts)
    {
        var sum = SplitScores.Zero;
        foreach (var part in parts)
        {
            sum = sum.Add(new SplitScores(part.Loss, part.Correct, part.Total));
        }

        return sum;
    }

    /// <summary>The weights and Adam's state after the epochs finished so far.</summary>
    private GcnCheckpoint Checkpoint()
    {
        var (steps, first, second) = _adam!.State;
        return new GcnCheckpoint { Epoch = _epoch, Weights = _parameters!.Flatten(), AdamSteps = steps, AdamFirst = first, AdamSecond = second };
    }

    /// <summary>
    /// The pipelined exchanges in flight, one per layer and direction: started when iteration t's layer has read its
    /// stale rows, taken (and waited for) when iteration t + 1's reads them.
    /// </summary>
    private sealed class CarriedExchanges
    {
        private readonly Dictionary<(bool Features, int Layer), Task<long>> _inFlight = [];

        public Task<long>? Take(bool features, int layer) => _inFlight.Remove((features, layer), out var task) ? task : null;

        public void Put(bool features, int layer, Task<long> exchange)
        {
            if (!_inFlight.TryAdd((features, layer), exchange))
            {
                throw new InvalidOperationException($"layer {layer}'s {(features ? "feature" : "gradient")} exchange started while the last one was still carried");
            }
        }

        /// <summary>Waits for every exchange in flight and forgets them; the bytes of those that ended well (a failed one's rows are not needed).</summary>
        public async Task<long> DrainAsync()
        {
            var tasks = _inFlight.Values.ToArray();
            _inFlight.Clear();
            var bytes = 0L;
            foreach (var task in tasks)
            {
                try
                {
                    bytes += await task;
                }
                catch (Exception)
                {
                    // Drained before a recovery, a release or the end of the run: no one reads these rows.
                }
            }

            return bytes;
        }
    }

    /// <summary>Time spent in the training step's exchanges, and the bytes every exchange of the epoch moved.</summary>
    private sealed class ExchangeClock
    {
        private readonly Stopwatch _clock = new();

        public long Bytes { get; set; }

        public double TrainingSeconds => _clock.Elapsed.TotalSeconds;

        public async Task Training(Func<Task<long>> exchange)
        {
            _clock.Start();
            try
            {
                Bytes += await exchange();
            }
            finally
            {
                _clock.Stop();
            }
        }
    }
}
