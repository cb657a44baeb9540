using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Compute;
using Orrery.Contracts.Gcn;
using Orrery.Gcn.Model;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Grains;

/// <summary>
/// Drives one GCN run over its partition grains, in the same order of operations as <see cref="InProcessTrainer"/>
/// (the reference it is tested against bit for bit): per layer forward the boundary exchange (before the layer in
/// vanilla mode, after it and committed at the end of the iteration in the pipelined modes), the loss, per layer
/// backward the gradient exchange, the weight gradients summed in part order, Adam here, and an evaluation pass.
/// Parts run each phase in parallel; the coordinator only routes the small block descriptions between them.
/// </summary>
public sealed class GcnCoordinatorGrain(IClusterMembershipService membership, ILocalSiloDetails silo) : Grain, IGcnCoordinatorGrain
{
    private GcnTrainRequest? _request;
    private GcnRunSetup? _setup;
    private GcnParameters? _parameters;
    private AdamOptimizer? _adam;
    private IGcnPartitionGrain[] _parts = [];
    private float[] _weights = [];
    private float[] _gradient = [];
    private int _epoch;

    /// <inheritdoc />
    public async Task<GcnStartReply> StartAsync(GcnTrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_request is not null)
        {
            throw new GcnRequestException($"GCN run '{this.GetPrimaryKeyString()}' is already started");
        }

        GcnRunSetup setup;
        try
        {
            setup = GcnRunSetup.Shared(request);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new GcnRequestException(e.Message);
        }

        var device = ComputeDevices.SharedCpuOnly.Cpu;
        _parameters = new GcnParameters(device, setup.Model);
        _parameters.Initialise();
        _adam = new AdamOptimizer(_parameters.TotalLength, request.LearningRate, request.WeightDecay);
        _weights = new float[_parameters.TotalLength];
        _gradient = new float[_parameters.TotalLength];
        (_request, _setup) = (request, setup);

        // One part per active silo in turn (address order), each pinned there by a placement hint at its first call.
        var silos = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).OrderBy(a => a.ToParsableString(), StringComparer.Ordinal).ToArray();
        if (silos.Length == 0)
        {
            silos = [silo.SiloAddress];
        }

        var job = this.GetPrimaryKeyString();
        _parts = [.. Enumerable.Range(0, request.Parts).Select(p => GrainFactory.GetGrain<IGcnPartitionGrain>($"{job}/part-{p}"))];
        var infos = await Task.WhenAll(_parts.Select((part, p) =>
        {
            using (PlacementHint.On(silos[p % silos.Length]))
            {
                return part.SetUpAsync(request, p, cancellationToken);
            }
        }));
        return new GcnStartReply
        {
            Nodes = setup.Graph.NodeCount,
            Edges = setup.Graph.EdgeCount,
            RowsExchangedPerLayer = PartitionReport.RowsExchangedPerLayer(setup.Plans),
            Parts = [.. infos],
            CoordinatorSilo = silo.Name,
            PartitionCsv = PartitionReport.ToCsv(setup.Plans),
        };
    }

    /// <inheritdoc />
    public async Task<GcnAdvanceReply> AdvanceAsync(double seconds, CancellationToken cancellationToken)
    {
        var request = _request ?? throw new GcnRequestException($"GCN run '{this.GetPrimaryKeyString()}' was not started (a fresh activation)");
        var until = Stopwatch.GetTimestamp() + (long)(Math.Clamp(seconds, 0, 60) * Stopwatch.Frequency);
        var reply = new GcnAdvanceReply();
        do
        {
            if (_epoch >= request.Epochs)
            {
                break;
            }

            var clock = Stopwatch.StartNew();
            var exchange = new ExchangeClock();
            var train = await StepAsync(_epoch, exchange, cancellationToken);
            var stepSeconds = clock.Elapsed.TotalSeconds;
            var evaluation = await EvaluateAsync(exchange, cancellationToken);
            reply.Epochs.Add(new GcnEpochRecord
            {
                Epoch = _epoch,
                Loss = train.Loss,
                TrainAccuracy = evaluation.Accuracy(0),
                ValidationAccuracy = evaluation.Accuracy(1),
                TestAccuracy = evaluation.Accuracy(2),
                Seconds = stepSeconds,
                ExchangeSeconds = exchange.TrainingSeconds,
                ExchangedBytes = exchange.Bytes,
            });
            _epoch++;
        }
        while (Stopwatch.GetTimestamp() < until);

        reply.Finished = _epoch >= request.Epochs;
        return reply;
    }

    /// <inheritdoc />
    public Task<List<GcnWeight>> GetWeightsAsync()
    {
        var parameters = _parameters ?? throw new GcnRequestException($"GCN run '{this.GetPrimaryKeyString()}' was not started (a fresh activation)");
        return Task.FromResult(parameters.Entries.Select(e => new GcnWeight { Name = e.Name, Rows = e.Value.Rows, Columns = e.Value.Columns, Values = e.Value.Span.ToArray() }).ToList());
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _parameters?.Dispose();
        _parameters = null;
        return Task.CompletedTask;
    }

    /// <summary>One training iteration across the parts, as <see cref="InProcessTrainer.Step"/> does it in one process.</summary>
    private async Task<SplitScores> StepAsync(int iteration, ExchangeClock exchange, CancellationToken cancellationToken)
    {
        var (config, settings) = (_setup!.Model, _setup.Exchange);
        _parameters!.CopyTo(_weights);
        await Task.WhenAll(_parts.Select(p => p.BeginForwardAsync(iteration, true, _weights)));
        for (var l = 0; l < config.Layers; l++)
        {
            var aggregates = config.Aggregates(l);
            if (aggregates && !settings.Stale)
            {
                await exchange.Training(() => ExchangeFeaturesAsync(l, evaluation: false, commit: true, cancellationToken));
            }

            await Task.WhenAll(_parts.Select(p => p.ForwardLayerAsync(l)));
            if (aggregates && settings.Stale)
            {
                await exchange.Training(() => ExchangeFeaturesAsync(l, evaluation: false, commit: false, cancellationToken));
            }
        }

        var scores = Sum(await Task.WhenAll(_parts.Select(p => p.ComputeLossAsync())));
        for (var l = config.Layers - 1; l >= 0; l--)
        {
            var aggregates = config.Aggregates(l);
            await Task.WhenAll(_parts.Select(p => p.BackwardLayerAsync(l)));
            if (aggregates && !settings.Stale)
            {
                await exchange.Training(() => ExchangeGradientsAsync(l, commit: true, cancellationToken));
            }

            await Task.WhenAll(_parts.Select(p => p.FinishBackwardLayerAsync(l)));
            if (aggregates && settings.Stale)
            {
                await exchange.Training(() => ExchangeGradientsAsync(l, commit: false, cancellationToken));
            }
        }

        // Weight gradients summed in part order (the in-process trainer's order, so the sum is the same to the bit).
        Array.Clear(_gradient);
        foreach (var share in await Task.WhenAll(_parts.Select(p => p.WeightGradientsAsync())))
        {
            for (var i = 0; i < share.Length; i++)
            {
                _gradient[i] += share[i];
            }
        }

        _adam!.Step(_weights, _gradient);
        _parameters.Load(_weights);
        if (settings.Stale)
        {
            await Task.WhenAll(_parts.Select(p => p.CommitStaleAsync(settings.SmoothFeatures, settings.SmoothGradients, settings.Gamma)));
        }

        return scores;
    }

    /// <summary>A forward pass without dropout and with exact halo rows, as <see cref="InProcessTrainer.Evaluate"/>.</summary>
    private async Task<SplitScores> EvaluateAsync(ExchangeClock exchange, CancellationToken cancellationToken)
    {
        var config = _setup!.Model;
        _parameters!.CopyTo(_weights);
        await Task.WhenAll(_parts.Select(p => p.BeginForwardAsync(0, false, _weights)));
        for (var l = 0; l < config.Layers; l++)
        {
            if (config.Aggregates(l))
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
