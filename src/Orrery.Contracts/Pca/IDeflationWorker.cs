using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Pca;

/// <summary>
/// Owns eigenvector estimate k: refines it against the latest estimates of workers 1..k-1
/// (parallel or sequential deflation, EigenGame-mu) one Top1 step per call.
/// </summary>
[GrainType("pca.worker")]
public interface IDeflationWorker : IGrain
{
    /// <summary>Sets the worker's vector (a fresh start, or a restart from its last published vector).</summary>
    Task<WorkerInitReply> InitAsync(WorkerInitRequest request, CancellationToken cancellationToken);

    /// <summary>One Top1 step from the product Sigma x_k; answers the new vector.</summary>
    Task<WorkerStepReply> StepAsync(WorkerStepRequest request, CancellationToken cancellationToken);
}
