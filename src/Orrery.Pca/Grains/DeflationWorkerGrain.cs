using System.Runtime.InteropServices;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Contracts.Pca;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Grains;

/// <summary>Owns eigenvector estimate k (<see cref="WorkerState"/>); an activation that was never initialised refuses steps, so a lost worker is noticed and restarted from its last published vector.</summary>
public sealed class DeflationWorkerGrain : Grain, IDeflationWorker
{
    private WorkerState? _state;

    public Task<WorkerInitReply> InitAsync(WorkerInitRequest request, CancellationToken cancellationToken)
    {
        var vector = MemoryMarshal.Cast<byte, float>(request.Payload.Span);
        if (vector.Length != request.Dimension)
        {
            throw new BadRequestException($"worker {request.Index + 1}: the initial vector has {vector.Length} floats; dimension is {request.Dimension}");
        }

        _state = new WorkerState(request.Index, SolverNames.Solver(request.Solver), SolverNames.Top1(request.Top1), vector);
        return Task.FromResult(new WorkerInitReply { Silo = SiloName });
    }

    public Task<WorkerStepReply> StepAsync(WorkerStepRequest request, CancellationToken cancellationToken)
    {
        if (_state is null)
        {
            throw new BadRequestException($"worker {GrainId} has no vector (a new activation, its silo lost?); initialise it first");
        }

        var next = _state.Step(request.Step, MemoryMarshal.Cast<byte, float>(request.Payload.Span), request.Predecessors, request.Lambdas, request.Eta, request.Publish);
        return Task.FromResult(new WorkerStepReply { Silo = SiloName, Payload = MemoryMarshal.AsBytes(next.AsSpan()).ToArray() });
    }
}
