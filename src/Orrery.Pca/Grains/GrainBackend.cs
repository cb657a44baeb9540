using System.Runtime.InteropServices;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Contracts.Pca;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Grains;

/// <summary>
/// Shards and workers as grains. With a list of silos, shard s and worker k are pinned round-robin
/// (shard s to silo s mod n, worker k to silo k mod n); a silo whose call fails as unavailable or timed
/// out is dropped and only its grains move to the survivors. Without a list, placement is by hashing and
/// the runtime moves grains when membership changes.
/// </summary>
public sealed class GrainBackend : IPcaBackend
{
    /// <summary>Recoveries in a row after which a run gives up (the cluster is not coming back).</summary>
    public const int MaxConsecutiveRecoveries = 20;

    private readonly IGrainFactory _grains;
    private readonly string _job;
    private readonly PcaStartRequest _options;
    private readonly List<string> _silos;
    private readonly string?[] _shardSilos;
    private readonly string?[] _workerSilos;
    private readonly HashSet<string> _suspects = [];
    private readonly Lock _gate = new();
    private long _bytes;
    private int _consecutiveFailures;

    /// <summary>A backend for the run <paramref name="options"/> describes; grain keys start with <paramref name="job"/>.</summary>
    public GrainBackend(IGrainFactory grains, string job, PcaStartRequest options)
    {
        _grains = grains;
        _job = job;
        _options = options;
        _silos = [.. options.Silos];
        _shardSilos = new string?[options.Shards];
        // Subspace iteration runs no workers: none are placed, started or reported.
        _workerSilos = new string?[SolverNames.UsesWorkers(SolverNames.Solver(options.Solver.Length == 0 ? "parallel" : options.Solver)) ? options.Components : 0];
        for (var s = 0; s < _shardSilos.Length; s++)
        {
            _shardSilos[s] = _silos.Count == 0 ? null : _silos[s % _silos.Count];
        }

        for (var k = 0; k < _workerSilos.Length; k++)
        {
            _workerSilos[k] = _silos.Count == 0 ? null : _silos[k % _silos.Count];
        }
    }

    public int ShardCount => _shardSilos.Length;

    public long BytesCommunicated => Interlocked.Read(ref _bytes);

    /// <summary>Shards re-loaded from their source after a loss.</summary>
    public int ReloadedShards { get; private set; }

    /// <summary>Where each shard last answered from.</summary>
    public string[] ShardLocations { get; private set; } = [];

    /// <summary>Where each worker last answered from.</summary>
    public string[] WorkerLocations { get; private set; } = [];

    public async Task<(long Rows, int Dimension)> LoadAsync(CancellationToken cancellationToken)
    {
        ShardLocations = new string[ShardCount];
        WorkerLocations = new string[_workerSilos.Length];
        var replies = await Task.WhenAll(Enumerable.Range(0, ShardCount).Select(s =>
            CallAsync(_shardSilos[s], () => Shard(s).LoadAsync(ShardRequests.Load(_options, s), cancellationToken)))).ConfigureAwait(false);
        for (var s = 0; s < replies.Length; s++)
        {
            ShardLocations[s] = replies[s].Silo;
        }

        return (replies[0].TotalRows, replies[0].Dimension);
    }

    public async Task<IReadOnlyList<float[]>> MultiplyAsync(float[] block, int count, int leaf, CancellationToken cancellationToken)
    {
        var payload = MemoryMarshal.AsBytes(block.AsSpan()).ToArray();
        var shards = Enumerable.Range(0, ShardCount).Where(s => leaf < 0 || ShardRequests.OwnerOf(_options, leaf) == s).ToArray();
        var replies = await Task.WhenAll(shards.Select(s => CallAsync(_shardSilos[s], () => Shard(s).MultiplyAsync(
            new ShardMultiplyRequest { Load = ShardRequests.Load(_options, s), Vectors = count, Leaf = leaf, Payload = payload },
            cancellationToken)))).ConfigureAwait(false);
        var parts = new float[replies.Length][];
        for (var i = 0; i < replies.Length; i++)
        {
            var reply = replies[i];
            parts[i] = MemoryMarshal.Cast<byte, float>(reply.Payload.Span).ToArray();
            ShardLocations[shards[i]] = reply.Silo;
            Interlocked.Add(ref _bytes, payload.Length + reply.Payload.Length);
            if (reply.Reloaded)
            {
                lock (_gate)
                {
                    ReloadedShards++;
                }
            }
        }

        return parts;
    }

    public async Task InitWorkerAsync(int index, WorkerInitRequest request, float[] vector, CancellationToken cancellationToken)
    {
        request.Payload = MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
        var reply = await CallAsync(_workerSilos[index], () => Worker(index).InitAsync(request, cancellationToken)).ConfigureAwait(false);
        WorkerLocations[index] = reply.Silo;
        Interlocked.Add(ref _bytes, request.Payload.Length);
    }

    public async Task<float[]> StepWorkerAsync(int index, WorkerStepRequest request, float[] payload, CancellationToken cancellationToken)
    {
        request.Payload = MemoryMarshal.AsBytes(payload.AsSpan()).ToArray();
        var reply = await CallAsync(_workerSilos[index], () => Worker(index).StepAsync(request, cancellationToken)).ConfigureAwait(false);
        WorkerLocations[index] = reply.Silo;
        Interlocked.Add(ref _bytes, request.Payload.Length + reply.Payload.Length);
        _consecutiveFailures = 0;
        return MemoryMarshal.Cast<byte, float>(reply.Payload.Span).ToArray();
    }

    public async Task<bool> RecoverAsync(Exception failure, CancellationToken cancellationToken)
    {
        if (failure is not (SiloUnavailableException or GrainCallTimeoutException or BadRequestException) || ++_consecutiveFailures > MaxConsecutiveRecoveries)
        {
            return false;
        }

        lock (_gate)
        {
            if (_silos.Count > 0)
            {
                foreach (var suspect in _suspects)
                {
                    _silos.Remove(suspect);
                }

                _suspects.Clear();
                if (_silos.Count == 0)
                {
                    return false;
                }

                // Only the lost silo's grains move; shards re-load from their source at the next call,
                // workers are re-sent their published vectors by the driver.
                for (var s = 0; s < _shardSilos.Length; s++)
                {
                    if (!_silos.Contains(_shardSilos[s]!))
                    {
                        _shardSilos[s] = _silos[s % _silos.Count];
                    }
                }

                for (var k = 0; k < _workerSilos.Length; k++)
                {
                    if (!_silos.Contains(_workerSilos[k]!))
                    {
                        _workerSilos[k] = _silos[k % _silos.Count];
                    }
                }
            }
        }

        if (_silos.Count == 0)
        {
            // Placement by hashing: give membership time to declare the silo dead and move its grains.
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private IDataShard Shard(int s) => _shardSilos[s] is { } silo
        ? _grains.GetGrain<IDataShard>($"{_job}/shard-{s}", silo)
        : _grains.GetGrain<IDataShard>($"{_job}/shard-{s}");

    private IDeflationWorker Worker(int k) => _workerSilos[k] is { } silo
        ? _grains.GetGrain<IDeflationWorker>($"{_job}/worker-{k}", silo)
        : _grains.GetGrain<IDeflationWorker>($"{_job}/worker-{k}");

    private async Task<T> CallAsync<T>(string? silo, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (silo is not null && e is SiloUnavailableException or GrainCallTimeoutException)
        {
            lock (_gate)
            {
                _suspects.Add(silo);
            }

            throw;
        }
    }
}
