using Orrery.Contracts.Pca;
using Orrery.Pca.Solvers;

namespace Orrery.Bench.Pca;

/// <summary>A <see cref="LocalBackend"/> whose shards are loaded once and reused by every run on the same data (runs differ in seed and solver only).</summary>
internal sealed class CachedLoadBackend(LocalBackend inner) : IPcaBackend
{
    private (long Rows, int Dimension)? _shape;

    public int ShardCount => inner.ShardCount;

    public long BytesCommunicated => inner.BytesCommunicated;

    public async Task<(long Rows, int Dimension)?> LoadAsync(TimeSpan wait, CancellationToken cancellationToken) =>
        _shape ??= await inner.LoadAsync(wait, cancellationToken);

    public Task<IReadOnlyList<float[]>> MultiplyAsync(float[] block, int count, int leaf, CancellationToken cancellationToken) =>
        inner.MultiplyAsync(block, count, leaf, cancellationToken);

    public Task InitWorkerAsync(int index, WorkerInitRequest request, float[] vector, CancellationToken cancellationToken) =>
        inner.InitWorkerAsync(index, request, vector, cancellationToken);

    public Task<float[]> StepWorkerAsync(int index, WorkerStepRequest request, float[] payload, CancellationToken cancellationToken) =>
        inner.StepWorkerAsync(index, request, payload, cancellationToken);

    public Task<bool> RecoverAsync(Exception failure, CancellationToken cancellationToken) => Task.FromResult(false);
}
