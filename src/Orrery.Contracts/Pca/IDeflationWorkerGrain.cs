using Orleans;

namespace Orrery.Contracts.Pca;

/// <summary>
/// Owns eigenvector estimate k: refines it against the latest estimates of workers 1..k-1 (parallel or sequential
/// deflation, EigenGame-mu) one Top1 step per call. Placed by the coordinator like <see cref="IDataShardGrain"/>.
/// </summary>
[Alias("orrery.pca.worker")]
public interface IDeflationWorkerGrain : IGrainWithStringKey
{
    /// <summary>Sets the worker's vector (a fresh start, or a restart from its last published vector).</summary>
    [Alias("init")]
    Task<WorkerInitReply> InitAsync(WorkerInitRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// One Top1 step from the product Sigma x_k; answers the new vector. Throws <see cref="PcaWorkerLostException"/>
    /// when this activation was never initialised (its silo was lost, or it was deactivated).
    /// </summary>
    [Alias("step")]
    Task<WorkerStepReply> StepAsync(WorkerStepRequest request, CancellationToken cancellationToken);

    /// <summary>Drops the worker's vector and deactivates it.</summary>
    [Alias("release")]
    Task ReleaseAsync();
}
