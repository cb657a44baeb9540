using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Pca;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Grains;

/// <summary>
/// Shards and workers as Orleans grains, placed round-robin over the active silos (shard s on silo s mod n, worker k on
/// silo k mod n, silos in address order) with placement hints, every placement under a key of its own. A call that
/// fails with an error meaning its silo is gone (<see cref="MeansLostPlacement"/>: decided by the exception's type,
/// never its message) marks that silo failed; <see cref="RecoverAsync"/> then gives only that silo's shards and workers
/// new placements on the survivors. A moved shard re-loads from its source at its first call (the load description
/// travels with every multiply), a moved worker is re-initialised by the driver from its last published vector.
/// Vector blocks go inline up to the run's inline limit and through the tensor channel above it (<see cref="VectorBlocks"/>).
/// </summary>
public sealed class GrainBackend : IPcaBackend
{
    /// <summary>Recoveries in a row after which a run gives up (the cluster is not coming back).</summary>
    public const int MaxConsecutiveRecoveries = 20;

    /// <summary>
    /// The longest a shard's load call waits for its rows before answering "not ready" (5 s): far inside Orleans's
    /// 30 s response timeout, and long enough that a small load answers in the first call.
    /// </summary>
    public static readonly TimeSpan MaxLoadWait = TimeSpan.FromSeconds(5);

    /// <summary>How long a recovery waits for a live silo that has not failed before it gives up.</summary>
    private static readonly TimeSpan NoSiloPatience = TimeSpan.FromSeconds(30);

    private readonly IGrainFactory _grains;
    private readonly TensorChannel _tensors;
    private readonly Func<IReadOnlyList<ClusterSiloInfo>> _activeSilos;
    private readonly string _job;
    private readonly PcaStartRequest _options;
    private readonly Placement[] _shards;
    private readonly Placement[] _workers;
    private readonly HashSet<SiloAddress> _failed = [];
    private readonly Lock _gate = new();
    private long _bytes;
    private int _consecutiveFailures;
    private int _reloadedShards;

    // Per shard: the placement number whose grain answered Ready to a load (0: never loaded), and the data's shape.
    private readonly int[] _loadedPlacement;
    private (long Rows, int Dimension)? _shape;

    /// <summary>
    /// A backend for the run <paramref name="options"/> describes; grain keys start with <paramref name="job"/>, and
    /// <paramref name="activeSilos"/> answers the cluster's active silos in address order at call time.
    /// </summary>
    public GrainBackend(IGrainFactory grains, TensorChannel tensors, Func<IReadOnlyList<ClusterSiloInfo>> activeSilos, string job, PcaStartRequest options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _grains = grains;
        _tensors = tensors;
        _activeSilos = activeSilos;
        _job = job;
        _options = options;
        var silos = activeSilos();
        if (silos.Count == 0)
        {
            throw new InvalidOperationException("no active silo to place PCA shards and workers on");
        }

        // Subspace iteration runs no workers: none are placed, started or reported.
        var workers = SolverNames.UsesWorkers(SolverNames.Solver(options.Solver.Length == 0 ? "parallel" : options.Solver)) ? options.Components : 0;
        _shards = [.. Enumerable.Range(0, options.Shards).Select(s => new Placement(silos[s % silos.Count]))];
        _workers = [.. Enumerable.Range(0, workers).Select(k => new Placement(silos[k % silos.Count]))];
        _loadedPlacement = new int[_shards.Length];
        ShardLocations = [.. _shards.Select(p => p.Silo.Name)];
        WorkerLocations = [.. _workers.Select(p => p.Silo.Name)];
    }

    public int ShardCount => _shards.Length;

    public long BytesCommunicated => Interlocked.Read(ref _bytes);

    /// <summary>Shards re-loaded from their source after a loss.</summary>
    public int ReloadedShards => Volatile.Read(ref _reloadedShards);

    /// <summary>Where each shard last answered from (where it was placed, before its first answer).</summary>
    public string[] ShardLocations { get; }

    /// <summary>Where each worker last answered from (where it was placed, before its first answer).</summary>
    public string[] WorkerLocations { get; }

    /// <summary>Placements given up after their silo failed.</summary>
    public int Moves { get; private set; }

    /// <summary>
    /// Errors after which a shard or worker must be assumed lost where it was: the silo is unreachable or refused the
    /// message (<see cref="OrleansMessageRejectionException"/>, <see cref="SiloUnavailableException"/> among them), no
    /// answer in time, a fresh worker activation without its vector, a block whose owner is gone or no longer holds it,
    /// or a call cancelled by its callee (a silo shutting down; the driver never passes on a failure of its own cancellation).
    /// </summary>
    public static bool MeansLostPlacement(Exception e) =>
        SiloLoss.Means(e) || e is PcaWorkerLostException;

    /// <summary>
    /// Asks every shard that is not known to be loaded where it is placed now to load (in the background on its silo)
    /// and to answer within <paramref name="wait"/> (at most <see cref="MaxLoadWait"/>, so the call stays well inside its
    /// deadline); null while any is still loading.
    /// </summary>
    public async Task<(long Rows, int Dimension)?> LoadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var seconds = wait == Timeout.InfiniteTimeSpan ? MaxLoadWait.TotalSeconds : Math.Clamp(wait.TotalSeconds, 0.01, MaxLoadWait.TotalSeconds);
        var pending = Enumerable.Range(0, ShardCount).Where(s => _loadedPlacement[s] != PlacementOf(_shards, s)).ToArray();
        var replies = await Task.WhenAll(pending.Select(async s =>
        {
            var placement = PlacementOf(_shards, s);
            var reply = await CallAsync(_shards, "shard", s, (IDataShardGrain shard) => shard.LoadAsync(ShardRequests.Load(_options, s), seconds, cancellationToken));
            return (Shard: s, Placement: placement, Reply: reply);
        }));
        foreach (var (shard, placement, reply) in replies.Where(r => r.Reply.Ready))
        {
            ShardLocations[shard] = reply.Silo;
            if (_loadedPlacement[shard] != 0)
            {
                // Loaded before on a silo that was lost: this is a re-load from the source.
                Interlocked.Increment(ref _reloadedShards);
            }

            _loadedPlacement[shard] = placement;
            _shape ??= (reply.TotalRows, reply.Dimension);
        }

        return replies.All(r => r.Reply.Ready) ? _shape : null;
    }

    public async Task<IReadOnlyList<float[]>> MultiplyAsync(float[] block, int count, int leaf, CancellationToken cancellationToken)
    {
        var shards = Enumerable.Range(0, ShardCount).Where(s => leaf < 0 || ShardRequests.OwnerOf(_options, leaf) == s).ToArray();
        // block: (count, d); one put serves every shard's read.
        var packed = VectorBlocks.Pack(_tensors, block, _options.InlineLimitBytes, reads: shards.Length);
        ShardMultiplyReply[] replies;
        try
        {
            replies = await Task.WhenAll(shards.Select(s => CallAsync(_shards, "shard", s, (IDataShardGrain shard) => shard.MultiplyAsync(
                new ShardMultiplyRequest { Load = ShardRequests.Load(_options, s), Vectors = count, Leaf = leaf, Block = packed, InlineLimitBytes = _options.InlineLimitBytes },
                cancellationToken))));
        }
        finally
        {
            await VectorBlocks.ReleaseAsync(_tensors, packed);
        }

        var parts = new float[replies.Length][];
        for (var i = 0; i < replies.Length; i++)
        {
            var reply = replies[i];
            parts[i] = await VectorBlocks.UnpackAsync(_tensors, reply.Product, cancellationToken);
            ShardLocations[shards[i]] = reply.Silo;
            Interlocked.Add(ref _bytes, sizeof(float) * (block.Length + parts[i].LongLength));
            if (reply.Reloaded)
            {
                Interlocked.Increment(ref _reloadedShards);
            }
        }

        Volatile.Write(ref _consecutiveFailures, 0);
        return parts;
    }

    public async Task InitWorkerAsync(int index, WorkerInitRequest request, float[] vector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Vector = VectorBlocks.Pack(_tensors, vector, _options.InlineLimitBytes);
        request.InlineLimitBytes = _options.InlineLimitBytes;
        try
        {
            var reply = await CallAsync(_workers, "worker", index, (IDeflationWorkerGrain worker) => worker.InitAsync(request, cancellationToken));
            WorkerLocations[index] = reply.Silo;
        }
        finally
        {
            await VectorBlocks.ReleaseAsync(_tensors, request.Vector);
        }

        Interlocked.Add(ref _bytes, sizeof(float) * (long)vector.Length);
    }

    public async Task<float[]> StepWorkerAsync(int index, WorkerStepRequest request, float[] payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Payload = VectorBlocks.Pack(_tensors, payload, _options.InlineLimitBytes);
        WorkerStepReply reply;
        try
        {
            reply = await CallAsync(_workers, "worker", index, (IDeflationWorkerGrain worker) => worker.StepAsync(request, cancellationToken));
        }
        finally
        {
            await VectorBlocks.ReleaseAsync(_tensors, request.Payload);
        }

        var next = await VectorBlocks.UnpackAsync(_tensors, reply.Vector, cancellationToken);
        WorkerLocations[index] = reply.Silo;
        Interlocked.Add(ref _bytes, sizeof(float) * (payload.LongLength + next.LongLength));
        Volatile.Write(ref _consecutiveFailures, 0);
        return next;
    }

    public async Task<bool> RecoverAsync(Exception failure, CancellationToken cancellationToken)
    {
        if (!MeansLostPlacement(failure) || Interlocked.Increment(ref _consecutiveFailures) > MaxConsecutiveRecoveries)
        {
            return false;
        }

        // Silos whose calls failed are left out for the rest of the run, even while membership still lists them (it
        // declares a killed silo dead a few seconds later). Every live silo failed once: one of them may be back.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        List<ClusterSiloInfo> available;
        while (true)
        {
            var active = _activeSilos();
            lock (_gate)
            {
                available = [.. active.Where(s => !_failed.Contains(s.Address))];
            }

            if (available.Count == 0 && waited.Elapsed > TimeSpan.FromSeconds(2))
            {
                available = [.. active];
            }

            if (available.Count > 0)
            {
                break;
            }

            if (waited.Elapsed > NoSiloPatience)
            {
                return false;
            }

            await Task.Delay(250, cancellationToken);
        }

        lock (_gate)
        {
            var live = available.Select(s => s.Address).ToHashSet();
            Move(_shards, ShardLocations, available, live);
            Move(_workers, WorkerLocations, available, live);
        }

        return true;
    }

    /// <summary>Gives every placement whose silo is not <paramref name="live"/> a new one (and a new key) on <paramref name="available"/>.</summary>
    private void Move(Placement[] placements, string[] locations, List<ClusterSiloInfo> available, HashSet<SiloAddress> live)
    {
        for (var i = 0; i < placements.Length; i++)
        {
            if (!live.Contains(placements[i].Silo.Address))
            {
                placements[i] = new Placement(available[i % available.Count], placements[i].Number + 1);
                locations[i] = placements[i].Silo.Name;
                Moves++;
            }
        }
    }

    /// <summary>
    /// Frees every shard's rows and every worker's vector where they are placed now and deactivates those grains (a
    /// placement given up after a loss has nothing left). A grain whose silo is gone, or that does not answer in time, is
    /// left to idle collection.
    /// </summary>
    public async Task ReleaseAsync()
    {
        Placement[] shards, workers;
        lock (_gate)
        {
            (shards, workers) = ([.. _shards], [.. _workers]);
        }

        await Task.WhenAll(
            shards.Select((p, s) => ReleaseQuietlyAsync(_grains.GetGrain<IDataShardGrain>(Key("shard", s, p)).ReleaseAsync()))
                .Concat(workers.Select((p, k) => ReleaseQuietlyAsync(_grains.GetGrain<IDeflationWorkerGrain>(Key("worker", k, p)).ReleaseAsync()))));
    }

    private static async Task ReleaseQuietlyAsync(Task release)
    {
        try
        {
            await release.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (SiloLoss.Means(e) || e is OrleansException)
        {
            // Collected as idle in the end.
        }
    }

    /// <summary>Calls the grain of placement <paramref name="index"/> with a placement hint to its silo; a lost-placement error marks that silo failed.</summary>
    private async Task<T> CallAsync<TGrain, T>(Placement[] placements, string kind, int index, Func<TGrain, Task<T>> call)
        where TGrain : IGrainWithStringKey
    {
        Placement current;
        lock (_gate)
        {
            current = placements[index];
        }

        var grain = _grains.GetGrain<TGrain>(Key(kind, index, current));
        try
        {
            using (PlacementHint.On(current.Silo.Address))
            {
                return await call(grain);
            }
        }
        catch (Exception e) when (SiloLoss.Means(e))
        {
            lock (_gate)
            {
                _failed.Add(current.Silo.Address);
            }

            throw;
        }
    }

    /// <summary>The grain key of shard or worker <paramref name="index"/> (<paramref name="kind"/>) in <paramref name="placement"/>.</summary>
    private string Key(string kind, int index, Placement placement) => $"{_job}/{kind}-{index}/p{placement.Number}";

    private int PlacementOf(Placement[] placements, int index)
    {
        lock (_gate)
        {
            return placements[index].Number;
        }
    }

    /// <summary>Where one shard or worker is placed: the silo, and the placement's number (part of the grain key).</summary>
    private sealed record Placement(ClusterSiloInfo Silo, int Number = 1);
}
