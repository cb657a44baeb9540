using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Compute;
using Orrery.Contracts.Gcn;
using Orrery.Gcn.Model;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Grains;

/// <summary>
/// One part of a GCN run: its <see cref="PartitionModel"/> on the silo's device the coordinator chose (its CPU or one of
/// its GPUs) and a copy of the weights the coordinator sends with every forward pass. Boundary blocks it sends are put in the silo's tensor store for one read (or go
/// inline below the run's limit); blocks it receives are fetched from their owners over the tensor channel straight
/// into its pending halo rows (no array per block).
/// An orphan (its coordinator lost) is collected after ten idle minutes; a live run calls every part several times an epoch.
/// </summary>
[CollectionAgeLimit(Minutes = 10)]
public sealed class GcnPartitionGrain(TensorChannel tensors, ILocalSiloDetails silo, DeviceDiscovery? devices = null) : Grain, IGcnPartitionGrain
{
    private readonly DeviceDiscovery _devices = devices ?? ComputeDevices.SharedCpuOnly;
    private GcnParameters? _parameters;
    private PartitionModel? _model;
    private int _inlineLimit;
    private int? _part;
    private GcnTrainRequest? _request;
    private ExchangeSettings _exchange = new();
    private Task<GcnRunSetup>? _building;

    /// <inheritdoc />
    public async Task<GcnPartInfo> SetUpAsync(GcnTrainRequest request, int part, string device, double waitSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_part is { } taken && taken != part)
        {
            throw new GcnRequestException($"'{this.GetPrimaryKeyString()}' holds part {taken}, not part {part}");
        }

        _part = part;
        _request = request;
        if (_model is null)
        {
            // The build (graph, partitioning) runs off the activation's turn; a call waits for it only so long.
            _building ??= Task.Run(() => GcnRunSetup.Shared(request), CancellationToken.None);
            if (await Task.WhenAny(_building, Task.Delay(TimeSpan.FromSeconds(Math.Clamp(waitSeconds, 0, 60)), CancellationToken.None)) != _building)
            {
                return new GcnPartInfo { Part = part, Silo = silo.Name, Ready = false };
            }

            GcnRunSetup setup;
            try
            {
                setup = await _building;
            }
            catch (Exception e) when (e is not GcnRequestException)
            {
                _building = null;
                throw new GcnRequestException($"part {part}: {e.Message}");
            }

            if (part < 0 || part >= setup.Plans.Length)
            {
                throw new GcnRequestException($"part is {part}; the run has {setup.Plans.Length} parts");
            }

            var on = ResolveDevice(part, device);
            try
            {
                _parameters = new GcnParameters(on, setup.Model);
                _model = new PartitionModel(on, setup.PlanFor(part), _parameters);
            }
            catch (Exception e) when (e is not GcnRequestException)
            {
                // Out of device memory, a kernel that does not compile: nothing half-built is kept.
                _model?.Dispose();
                _parameters?.Dispose();
                (_model, _parameters) = (null, null);
                throw new GcnRequestException($"part {part} on silo '{silo.Name}', device {on.Name}: {e.GetType().Name}: {e.Message}");
            }

            _inlineLimit = request.InlineLimitBytes;
            _exchange = setup.Exchange;
        }

        return new GcnPartInfo { Part = part, Inner = _model.Plan.InnerCount, Halo = _model.Plan.HaloCount, Silo = silo.Name, Device = _model.Device.Name, Ready = true };
    }

    /// <inheritdoc />
    public Task<bool> IsSetUpAsync() => Task.FromResult(_model is not null);

    /// <inheritdoc />
    public async Task BeginForwardAsync(int iteration, bool training, GcnBlock weights)
    {
        var model = Model();
        _parameters!.Load(await GcnBlocks.UnpackAsync(tensors, weights, CancellationToken.None));
        model.BeginForward(iteration, training);
    }

    /// <inheritdoc />
    public Task<List<GcnBlock>> SendFeaturesAsync(int layer, bool evaluation)
    {
        var model = Model();
        return Task.FromResult(Blocks(model, q => model.Plan.SendToPeer[q].Length > 0, q => model.BoundaryFeatures(layer, q)));
    }

    /// <inheritdoc />
    public async Task<long> ReceiveFeaturesAsync(int layer, bool evaluation, bool commit, List<GcnBlock> blocks, CancellationToken cancellationToken)
    {
        var model = Model();
        var received = await Task.WhenAll((blocks ?? []).Select(block =>
            GcnBlocks.ReceiveAsync(tensors, block, length => model.PendingHaloFeatures(layer, block.From, length, evaluation), cancellationToken)));
        if (commit)
        {
            model.CommitHaloFeatures(layer, evaluation, smooth: !evaluation && _exchange.SmoothFeatures, gamma: _exchange.Gamma);
        }

        return sizeof(float) * received.Sum();
    }

    /// <inheritdoc />
    public Task ForwardLayerAsync(int layer)
    {
        Model().ForwardLayer(layer);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<GcnScores> ComputeLossAsync()
    {
        var scores = Model().ComputeLoss();
        return Task.FromResult(new GcnScores { Loss = scores.Loss, Correct = scores.Correct, Total = scores.Total });
    }

    /// <inheritdoc />
    public Task BackwardLayerAsync(int layer)
    {
        Model().BackwardLayer(layer);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<List<GcnBlock>> SendGradientsAsync(int layer)
    {
        var model = Model();
        return Task.FromResult(Blocks(model, q => model.Plan.HaloByPeer[q].Count > 0, q => model.HaloGradients(layer, q)));
    }

    /// <inheritdoc />
    public async Task<long> ReceiveGradientsAsync(int layer, bool commit, List<GcnBlock> blocks, CancellationToken cancellationToken)
    {
        var model = Model();
        var received = await Task.WhenAll((blocks ?? []).Select(block =>
            GcnBlocks.ReceiveAsync(tensors, block, length => model.PendingBoundaryGradients(layer, block.From, length), cancellationToken)));
        if (commit)
        {
            model.CommitBoundaryGradients(layer, smooth: _exchange.SmoothGradients, gamma: _exchange.Gamma);
        }

        return sizeof(float) * received.Sum();
    }

    /// <inheritdoc />
    public Task FinishBackwardLayerAsync(int layer)
    {
        Model().FinishBackwardLayer(layer);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<GcnBlock> WeightGradientsAsync()
    {
        var model = Model();
        return Task.FromResult(GcnBlocks.Pack(tensors, model.Gradients.Flatten(), _inlineLimit, model.Plan.Part, GcnBlocks.Coordinator));
    }

    /// <inheritdoc />
    public Task ReleaseAsync()
    {
        _model?.Dispose();
        _parameters?.Dispose();
        (_model, _parameters) = (null, null);
        if (_request is { } request)
        {
            GcnRunSetup.Forget(request);
        }

        DeactivateOnIdle();
        return Task.CompletedTask;
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
        _model?.Dispose();
        _parameters?.Dispose();
        (_model, _parameters) = (null, null);
        return Task.CompletedTask;
    }

    /// <summary>The silo's device named <paramref name="name"/> ("cpu", "cuda:0", ...); empty is its CPU.</summary>
    private IComputeDevice ResolveDevice(int part, string name) =>
        string.IsNullOrEmpty(name) ? _devices.Cpu
            : _devices.Find(name) ?? throw new GcnRequestException($"part {part}: silo '{silo.Name}' has no device '{name}'; it has {_devices.Names}");

    private PartitionModel Model() =>
        _model ?? throw new GcnPartLostException($"partition '{this.GetPrimaryKeyString()}' was not set up (a fresh activation, or a call out of order)");

    /// <summary>One block per peer <paramref name="wanted"/> names: inline up to the run's limit, in the tensor store above it.</summary>
    private List<GcnBlock> Blocks(PartitionModel model, Func<int, bool> wanted, Func<int, float[]> rows)
    {
        var blocks = new List<GcnBlock>();
        for (var q = 0; q < model.Plan.PartCount; q++)
        {
            if (q == model.Plan.Part || !wanted(q))
            {
                continue;
            }

            blocks.Add(GcnBlocks.Pack(tensors, rows(q), _inlineLimit, model.Plan.Part, q));
        }

        return blocks;
    }
}
