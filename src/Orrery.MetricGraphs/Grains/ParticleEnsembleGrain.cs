using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Compute;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// A chunk of particles of one sampling job on one device of its silo (<see cref="ParticleSamplers.For"/> picks the
/// sampler). The state stays here between calls; each <see cref="AdvanceAsync"/> runs one slice of steps and answers
/// with the slice's integer counts and, when asked, a checkpoint of the state after it, put in the silo's tensor store
/// for the coordinator to fetch. The coordinator places each ensemble with a placement hint; a silo that registered no
/// devices (a test host) computes on the host's CPU. An ensemble idle for two minutes is collected: its coordinator
/// calls it every slice, so only an orphan (its coordinator lost) is ever idle that long.
/// </summary>
[CoreWeightedPlacement]
[CollectionAgeLimit(Minutes = 2)]
public sealed class ParticleEnsembleGrain : Grain, IParticleEnsembleGrain
{
    /// <summary>How long a checkpoint waits in the store for the coordinator's fetch.</summary>
    internal static readonly TimeSpan CheckpointTimeToLive = TimeSpan.FromMinutes(2);

    private readonly DeviceDiscovery _devices;
    private readonly SamplingMetrics _metrics;
    private readonly TensorChannel _tensors;
    private readonly string _siloName;
    private readonly SiloAddress _siloAddress;
    private string _runId = "";
    private IComputeDevice? _device;
    private IParticleSampler? _sampler;
    private EnsembleState? _state;
    private bool _givenWork;

    /// <summary>Created by the silo; <paramref name="devices"/> are the silo's devices when it registered them.</summary>
    public ParticleEnsembleGrain(IMeterFactory meterFactory, TensorChannel tensors, ILocalSiloDetails silo, DeviceDiscovery? devices = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _devices = devices ?? ComputeDevices.SharedCpuOnly;
        _metrics = SamplingMetrics.For(meterFactory);
        _tensors = tensors;
        _siloName = silo.Name;
        _siloAddress = silo.SiloAddress;
    }

    private string Key => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public async Task<StartEnsembleReply> StartAsync(StartEnsembleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _givenWork = true;
        if (request.RunId.Length == 0)
        {
            throw new SamplingRequestException($"ensemble {Key}: StartEnsembleRequest.RunId is empty");
        }

        if (request.RunId == _runId && _state is not null)
        {
            return StartReply();
        }

        var device = ResolveDevice(request.Device);
        MetricGraph graph;
        SamplingOptions options;
        InitialCondition initial;
        try
        {
            graph = MetricGraphJson.Parse(request.GraphJson, "job graph");
            options = SamplingWire.ToOptions(request.Settings ?? throw new ArgumentException("StartEnsembleRequest.Settings is missing"));
            initial = SamplingWire.ToInitialCondition(request.Initial ?? throw new ArgumentException("StartEnsembleRequest.Initial is missing"), graph);
        }
        catch (Exception e) when (e is MetricGraphFormatException or ArgumentException)
        {
            throw new SamplingRequestException($"ensemble {Key}: {e.Message}");
        }

        if (request.Count <= 0 || request.FirstParticle < 0)
        {
            throw new SamplingRequestException($"ensemble {Key}: particles {request.FirstParticle} + {request.Count} is not a valid range");
        }

        var sampler = ParticleSamplers.For(device, graph, options);
        EnsembleState state;
        try
        {
            if (request.Checkpoint is { } checkpoint)
            {
                // The coordinator's copy, over the tensor channel (or in place when the coordinator is on this silo).
                var bytes = await _tensors.FetchAsync<byte>(checkpoint, cancellationToken);
                state = SamplingWire.FromCheckpoint(bytes, request.FirstParticle, request.Count, request.CheckpointStep);
            }
            else
            {
                state = sampler.CreateEnsemble(request.FirstParticle, request.Count, initial);
            }
        }
        catch (ArgumentException e)
        {
            throw new SamplingRequestException($"ensemble {Key}: {e.Message}");
        }

        if (state.NextStep > options.Steps)
        {
            throw new SamplingRequestException($"ensemble {Key}: the checkpoint is at step {state.NextStep}, past the run's {options.Steps} steps");
        }

        Release();
        _runId = request.RunId;
        _device = device;
        _sampler = sampler;
        _state = state;
        _metrics.ParticlesHeld(state.Count);
        return StartReply();
    }

    /// <inheritdoc />
    public async Task<AdvanceEnsembleReply> AdvanceAsync(AdvanceEnsembleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_state is null || _sampler is null || request.RunId != _runId)
        {
            // A fresh activation (its silo was lost) or one deactivated since: the coordinator continues from its last checkpoint.
            throw new EnsembleLostException($"ensemble {Key} on silo '{_siloName}' holds no particles of run '{request.RunId}'");
        }

        var sampler = _sampler;
        var state = _state;
        var steps = Math.Min(request.Steps, sampler.Options.Steps - state.NextStep);
        if (steps < 0)
        {
            throw new SamplingRequestException($"ensemble {Key}: asked for {request.Steps} steps");
        }

        var clock = Stopwatch.StartNew();

        // The sampler blocks its thread for the whole slice (all cores on the CPU, a kernel wait on a GPU): run it off
        // the activation's turn so that the silo's other work goes on.
        var result = await Task.Run(() => sampler.Advance(state, steps), cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        _metrics.Advanced(SamplingMetrics.DeviceKindLabel(_device!.Kind), result.ParticleSteps, result.Splits, result.TruncatedSteps);
        return new AdvanceEnsembleReply
        {
            Counts = SamplingWire.ToCounts(result),
            NextStep = state.NextStep,
            Alive = state.AliveCount,
            ComputeSeconds = seconds,
            Silo = _siloName,
            Device = _device.Name,
            Checkpoint = request.Checkpoint ? _tensors.Put(SamplingWire.ToCheckpoint(state), new TensorLifetime(CheckpointTimeToLive, MaxReads: 1)) : null,
        };
    }

    /// <inheritdoc />
    public Task ReleaseAsync(string runId)
    {
        // The run's own ensemble, or a fresh activation that this very call created (it holds nothing, and would
        // otherwise stay until idle collection).
        if (runId == _runId || _runId.Length == 0)
        {
            Release();
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A stray activation (a late cancellation or poll for a run already released) ends by itself.
        StrayActivation.EndUnlessGivenWork(this, () => _givenWork);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Release();
        return Task.CompletedTask;
    }

    private IComputeDevice ResolveDevice(string name)
    {
        if (name.Length == 0)
        {
            return _devices.Preferred;
        }

        return _devices.Find(name)
            ?? throw new SamplingRequestException($"ensemble {Key}: silo '{_siloName}' has no device '{name}'; it has {_devices.Names}");
    }

    private StartEnsembleReply StartReply() => new()
    {
        Silo = _siloName,
        Address = _siloAddress,
        Device = _device!.Name,
        NextStep = _state!.NextStep,
        Alive = _state.AliveCount,
    };

    private void Release()
    {
        if (_state is not null)
        {
            _metrics.ParticlesHeld(-_state.Count);
        }

        _state = null;
        _sampler = null;
        _device = null;
        _runId = "";
    }
}
