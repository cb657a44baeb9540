using Orrery.Contracts.Pca;

namespace Orrery.Pca.Solvers;

/// <summary>
/// Where a <see cref="PcaDriver"/> finds its shards and workers: grains across a cluster
/// (<see cref="Grains.GrainBackend"/>) or objects in this process (<see cref="LocalBackend"/>).
/// </summary>
public interface IPcaBackend
{
    /// <summary>Number of shards (a power of two); shard s holds leaves [s L / S, (s + 1) L / S).</summary>
    int ShardCount { get; }

    /// <summary>Payload bytes sent and received so far (vectors, products).</summary>
    long BytesCommunicated { get; }

    /// <summary>
    /// Loads every shard (again, after a recovery moved some: those already loaded answer at once), waiting at most
    /// about <paramref name="wait"/>; answers the whole matrix's rows and dimension once all are loaded, null while
    /// some are still loading (ask again).
    /// </summary>
    Task<(long Rows, int Dimension)?> LoadAsync(TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>
    /// Sends the <paramref name="count"/> vectors of <paramref name="block"/> (count x d) to the shards and answers
    /// their raw parts in shard order (one part, from the owner, when <paramref name="leaf"/> is not -1).
    /// </summary>
    Task<IReadOnlyList<float[]>> MultiplyAsync(float[] block, int count, int leaf, CancellationToken cancellationToken);

    /// <summary>Starts (or restarts) worker <paramref name="index"/> from <paramref name="vector"/>.</summary>
    Task InitWorkerAsync(int index, WorkerInitRequest request, float[] vector, CancellationToken cancellationToken);

    /// <summary>One step of worker <paramref name="index"/>; answers its new vector.</summary>
    Task<float[]> StepWorkerAsync(int index, WorkerStepRequest request, float[] payload, CancellationToken cancellationToken);

    /// <summary>
    /// Called after a round failed with <paramref name="failure"/>; answers true when the failure is one a
    /// retry can survive (a lost silo), after moving the lost grains elsewhere.
    /// </summary>
    Task<bool> RecoverAsync(Exception failure, CancellationToken cancellationToken);
}
