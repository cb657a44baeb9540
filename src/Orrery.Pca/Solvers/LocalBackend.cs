using Orrery.Compute;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;

namespace Orrery.Pca.Solvers;

/// <summary>Shards and workers as plain objects in this process, on one device: the same arithmetic as the grains, no transport.</summary>
public sealed class LocalBackend : IPcaBackend, IDisposable
{
    private readonly IComputeDevice _device;
    private readonly PcaStartRequest _options;
    private readonly ShardData?[] _shards;
    private readonly Dictionary<int, WorkerState> _workers = [];
    private readonly Lock _gate = new();
    private long _bytes;

    /// <summary>A backend for the run <paramref name="options"/> describes, computing on <paramref name="device"/>.</summary>
    public LocalBackend(IComputeDevice device, PcaStartRequest options)
    {
        _device = device;
        _options = options;
        _shards = new ShardData?[options.Shards];
    }

    public int ShardCount => _shards.Length;

    public long BytesCommunicated => Interlocked.Read(ref _bytes);

    /// <summary>Loads every shard not yet loaded, in this call whatever <paramref name="wait"/> says (no call deadline in process).</summary>
    public Task<(long Rows, int Dimension)?> LoadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        for (var s = 0; s < _shards.Length; s++)
        {
            _shards[s] ??= ShardData.Load(_device, ShardRequests.Load(_options, s));
        }

        return Task.FromResult<(long Rows, int Dimension)?>((_shards[0]!.TotalRows, _shards[0]!.Dimension));
    }

    public Task<IReadOnlyList<float[]>> MultiplyAsync(float[] block, int count, int leaf, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var parts = new List<float[]>();
            for (var s = 0; s < _shards.Length; s++)
            {
                if (leaf >= 0 && ShardRequests.OwnerOf(_options, leaf) != s)
                {
                    continue;
                }

                parts.Add(_shards[s]!.Multiply(block, count, leaf, out _));
                Interlocked.Add(ref _bytes, 8L * block.Length);
            }

            return Task.FromResult<IReadOnlyList<float[]>>(parts);
        }
    }

    public Task InitWorkerAsync(int index, WorkerInitRequest request, float[] vector, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _workers[index] = new WorkerState(index, SolverNames.Solver(request.Solver), SolverNames.Top1(request.Top1), vector);
        }

        Interlocked.Add(ref _bytes, 4L * vector.Length);
        return Task.CompletedTask;
    }

    public Task<float[]> StepWorkerAsync(int index, WorkerStepRequest request, float[] payload, CancellationToken cancellationToken)
    {
        WorkerState worker;
        lock (_gate)
        {
            worker = _workers[index];
        }

        var next = worker.Step(request.Round, request.Step, payload, request.Predecessors, request.Lambdas, request.Eta, request.Publish);
        Interlocked.Add(ref _bytes, 4L * (payload.Length + next.Length));
        return Task.FromResult(next);
    }

    public Task<bool> RecoverAsync(Exception failure, CancellationToken cancellationToken) => Task.FromResult(false);

    public void Dispose()
    {
        foreach (var shard in _shards)
        {
            shard?.Dispose();
        }
    }
}
