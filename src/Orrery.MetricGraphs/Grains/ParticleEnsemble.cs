using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Compute;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// A chunk of particles of one sampling job on one device of its silo (<see cref="ParticleSamplers.For"/>
/// picks the sampler). The state stays here between calls; each <see cref="AdvanceAsync"/> runs one slice
/// of steps and answers with the slice's integer counts and, when asked, a checkpoint of the state after it.
/// A silo that provides no devices to its grains (an embedded cluster) computes on the host's CPU.
/// </summary>
public sealed class ParticleEnsemble : Grain, IParticleEnsembleGrain
{
    /// <summary>Starts the message of the error an ensemble that lost its particles answers with.</summary>
    internal const string LostMarker = "ensemble lost";

    private readonly DeviceDiscovery _devices;
    private readonly SamplingMetrics _metrics;
    private string _runId = "";
    private IComputeDevice? _device;
    private IParticleSampler? _sampler;
    private EnsembleState? _state;

    /// <summary>Created by the silo; <paramref name="devices"/> are the silo's devices when it provides them.</summary>
    public ParticleEnsemble(IMeterFactory meterFactory, DeviceDiscovery? devices = null)
    {
        _devices = devices ?? ComputeDevices.SharedCpuOnly;
        _metrics = SamplingMetrics.For(meterFactory);
    }

    /// <inheritdoc />
    public Task<StartEnsembleReply> StartAsync(StartEnsembleRequest request, CancellationToken cancellationToken)
    {
        if (request.RunId.Length == 0)
        {
            CallErrors.ThrowBadRequest("StartEnsembleRequest.run_id is empty");
        }

        if (request.RunId == _runId && _state is not null)
        {
            return Task.FromResult(StartReply());
        }

        var device = ResolveDevice(request.Device);
        MetricGraph graph;
        SamplingOptions options;
        InitialCondition initial;
        try
        {
            graph = MetricGraphJson.Parse(request.GraphJson, "job graph");
            options = SamplingWire.ToOptions(request.Settings ?? throw new ArgumentException("StartEnsembleRequest.settings is missing"));
            initial = SamplingWire.ToInitialCondition(request.Initial ?? throw new ArgumentException("StartEnsembleRequest.initial is missing"), graph);
        }
        catch (Exception e) when (e is MetricGraphFormatException or ArgumentException)
        {
            throw new BadRequestException($"ensemble {GrainId.Key}: {e.Message}", e);
        }

        if (request.Count <= 0 || request.FirstParticle < 0)
        {
            CallErrors.ThrowBadRequest($"ensemble {GrainId.Key}: particles {request.FirstParticle} + {request.Count} is not a valid range");
        }

        var sampler = ParticleSamplers.For(device, graph, options);
        EnsembleState state;
        try
        {
            state = request.FromCheckpoint
                ? SamplingWire.FromCheckpoint(request.Payload.Span, request.FirstParticle, request.Count, request.CheckpointStep)
                : sampler.CreateEnsemble(request.FirstParticle, request.Count, initial);
        }
        catch (ArgumentException e)
        {
            throw new BadRequestException($"ensemble {GrainId.Key}: {e.Message}", e);
        }

        if (state.NextStep > options.Steps)
        {
            CallErrors.ThrowBadRequest($"ensemble {GrainId.Key}: the checkpoint is at step {state.NextStep}, past the run's {options.Steps} steps");
        }

        Release();
        _runId = request.RunId;
        _device = device;
        _sampler = sampler;
        _state = state;
        _metrics.ParticlesHeld(state.Count);
        return Task.FromResult(StartReply());
    }

    /// <inheritdoc />
    public async Task<AdvanceEnsembleReply> AdvanceAsync(AdvanceEnsembleRequest request, CancellationToken cancellationToken)
    {
        if (_state is null || _sampler is null || request.RunId != _runId)
        {
            // The coordinator reads this as "the particles are gone" (a restarted silo, an idle
            // deactivation) and continues from its last checkpoint.
            throw new BadRequestException($"{LostMarker}: ensemble {GrainId.Key} on silo '{SiloName}' holds no particles of run '{request.RunId}'");
        }

        var sampler = _sampler;
        var state = _state;
        var steps = Math.Min(request.Steps, sampler.Options.Steps - state.NextStep);
        if (steps < 0)
        {
            CallErrors.ThrowBadRequest($"ensemble {GrainId.Key}: asked for {request.Steps} steps");
        }

        var clock = Stopwatch.StartNew();

        // The sampler blocks its thread for the whole slice (all cores on the CPU, a kernel wait on a
        // GPU): run it off the turn's thread so the silo's transport keeps serving.
        var result = await Task.Run(() => sampler.Advance(state, steps), cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        _metrics.Advanced(SamplingMetrics.DeviceKindLabel(_device!.Kind), result.ParticleSteps, result.Splits, result.TruncatedSteps);
        var reply = new AdvanceEnsembleReply
        {
            Counts = SamplingWire.ToCounts(result),
            NextStep = state.NextStep,
            Alive = state.AliveCount,
            ComputeSeconds = seconds,
            Silo = SiloName,
            Device = _device.Name,
        };
        if (request.Checkpoint)
        {
            reply.Payload = SamplingWire.ToCheckpoint(state);
            reply.HasCheckpoint = true;
        }

        return reply;
    }

    /// <inheritdoc />
    public Task<ReleaseEnsembleReply> ReleaseAsync(ReleaseEnsembleRequest request, CancellationToken cancellationToken)
    {
        if (request.RunId == _runId)
        {
            Release();
            DeactivateOnIdle();
        }

        return Task.FromResult(new ReleaseEnsembleReply());
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

        return _devices.Devices.FirstOrDefault(d => d.Name == name)
            ?? throw new BadRequestException($"ensemble {GrainId.Key}: silo '{SiloName}' has no device '{name}'; it has {string.Join(", ", _devices.Devices.Select(d => d.Name))}");
    }

    private StartEnsembleReply StartReply() => new()
    {
        Silo = SiloName,
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
