using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Pca;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Grains;

/// <summary>
/// Owns eigenvector estimate k (<see cref="WorkerState"/>). An activation that was never initialised refuses steps with
/// <see cref="PcaWorkerLostException"/>, so a lost worker is noticed and restarted from its last published vector. Idle
/// for two minutes only when orphaned (its coordinator lost): then collected.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed class DeflationWorkerGrain(TensorChannel tensors, ILocalSiloDetails silo) : Grain, IDeflationWorkerGrain
{
    private WorkerState? _state;
    private int _inlineLimitBytes;
    private bool _givenWork;

    /// <inheritdoc />
    public async Task<WorkerInitReply> InitAsync(WorkerInitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _givenWork = true;
        var vector = await VectorBlocks.UnpackAsync(tensors, request.Vector, cancellationToken);
        if (vector.Length != request.Dimension)
        {
            throw new PcaRequestException($"worker {request.Index + 1}: the initial vector has {vector.Length} floats; dimension is {request.Dimension}");
        }

        try
        {
            _state = new WorkerState(request.Index, SolverNames.Solver(request.Solver), SolverNames.Top1(request.Top1), vector);
        }
        catch (ArgumentException e)
        {
            throw new PcaRequestException($"worker {request.Index + 1}: {e.Message}");
        }

        _inlineLimitBytes = request.InlineLimitBytes;
        return new WorkerInitReply { Silo = silo.Name };
    }

    /// <inheritdoc />
    public async Task<WorkerStepReply> StepAsync(WorkerStepRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = _state ?? throw new PcaWorkerLostException($"worker {this.GetPrimaryKeyString()} on silo '{silo.Name}' has no vector (a fresh activation: its silo was lost, or it was deactivated)");
        var payload = await VectorBlocks.UnpackAsync(tensors, request.Payload, cancellationToken);
        float[] next;
        try
        {
            next = state.Step(request.Round, request.Step, payload, request.Predecessors, request.Lambdas, request.Eta, request.Publish);
        }
        catch (ArgumentException e)
        {
            throw new PcaRequestException(e.Message);
        }

        return new WorkerStepReply { Silo = silo.Name, Vector = VectorBlocks.Pack(tensors, next, _inlineLimitBytes) };
    }

    /// <inheritdoc />
    public Task ReleaseAsync()
    {
        _state = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A stray activation (a late cancellation or poll for a run already released) ends by itself.
        StrayActivation.EndUnlessGivenWork(this, () => _givenWork);
        return Task.CompletedTask;
    }
}
