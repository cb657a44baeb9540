using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;

namespace Orrery.Pca.Grains;

/// <summary>
/// Holds row blocks of Y (or Sigma) on its silo's device. Every multiply request carries the shard's load description,
/// so an activation that finds itself empty (a fresh placement after its silo died) re-loads from the source. The
/// coordinator calls it every step, so only an orphan (its coordinator lost) is ever idle for two minutes: then it is
/// collected and its device memory freed.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed class DataShardGrain(IServiceProvider services, TensorChannel tensors, ILocalSiloDetails silo) : Grain, IDataShardGrain
{
    private ShardData? _data;

    // A load running in the background (off the activation's turn), and the description it loads.
    private Task<ShardData>? _loading;
    private ShardLoadRequest? _loadingFor;

    /// <inheritdoc />
    public async Task<ShardLoadReply> LoadAsync(ShardLoadRequest request, double waitSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var already = _data is not null && _data.Request.Equals(request);
        if (!already)
        {
            var loading = StartLoading(request);
            try
            {
                // Not the call's token: a load outlives the call that started it, and the next call picks it up.
                await loading.WaitAsync(TimeSpan.FromSeconds(Math.Clamp(waitSeconds, 0, 60)), CancellationToken.None);
            }
            catch (TimeoutException) when (!loading.IsCompleted)
            {
                return new ShardLoadReply { Silo = silo.Name, Ready = false };
            }
            catch when (loading.IsCompleted)
            {
                // Its own failure: thrown, typed, below.
            }

            await TakeLoadedAsync(loading);
        }

        return new ShardLoadReply
        {
            Silo = silo.Name,
            Ready = true,
            Rows = _data!.Rows,
            Dimension = _data.Dimension,
            TotalRows = _data.TotalRows,
            Seconds = clock.Elapsed.TotalSeconds,
            AlreadyLoaded = already,
            Device = PcaDevice.Resolve(services).Name,
        };
    }

    /// <inheritdoc />
    public async Task<ShardMultiplyReply> MultiplyAsync(ShardMultiplyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reloaded = !await EnsureAsync(request.Load);
        var vectors = await VectorBlocks.UnpackAsync(tensors, request.Block, cancellationToken);
        var data = _data!;
        long rows = 0;
        float[] product;
        try
        {
            // Two GEMMs per leaf block the thread (all cores through OpenBLAS, or a kernel wait on a GPU): off the
            // activation's turn, so the silo's other grains go on meanwhile. The turn still waits, so one call at a time.
            product = await Task.Run(() => data.Multiply(vectors, request.Vectors, request.Leaf, out rows), cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new PcaRequestException($"shard {this.GetPrimaryKeyString()}: {e.Message}");
        }

        return new ShardMultiplyReply
        {
            Silo = silo.Name,
            Reloaded = reloaded,
            Rows = rows,
            Product = VectorBlocks.Pack(tensors, product, request.InlineLimitBytes),
        };
    }

    /// <inheritdoc />
    public Task ReleaseAsync()
    {
        Free();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A stray activation (a late cancellation or poll for a run already released) ends by itself.
        StrayActivation.EndUnlessGivenWork(this, () => _loading is not null || _data is not null);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Free();
        return Task.CompletedTask;
    }

    /// <summary>Disposes the rows held, and those of a load still running once it ends.</summary>
    private void Free()
    {
        _data?.Dispose();
        _data = null;
        _loading?.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        (_loading, _loadingFor) = (null, null);
    }

    /// <summary>Loads the shard unless it holds exactly this description (waiting for a load in the background); true when it already did.</summary>
    private async Task<bool> EnsureAsync(ShardLoadRequest request)
    {
        if (_data is not null && _data.Request.Equals(request))
        {
            return true;
        }

        var loading = StartLoading(request);
        try
        {
            await loading;
        }
        catch when (loading.IsCompleted)
        {
            // Thrown, typed, by TakeLoadedAsync.
        }

        await TakeLoadedAsync(loading);
        return false;
    }

    /// <summary>The background load of <paramref name="request"/>: the one running, or a new one (a load of another description is dropped, its data freed when it ends).</summary>
    private Task<ShardData> StartLoading(ShardLoadRequest request)
    {
        if (_loading is not null && _loadingFor!.Equals(request))
        {
            return _loading;
        }

        _loading?.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        _data?.Dispose();
        _data = null;
        var device = PcaDevice.Resolve(services);
        _loadingFor = request;
        _loading = Task.Run(() => ShardData.Load(device, request));
        return _loading;
    }

    /// <summary>Makes the finished <paramref name="loading"/> the shard's data, or throws its failure as a refused request naming the shard.</summary>
    private async Task TakeLoadedAsync(Task<ShardData> loading)
    {
        _loading = null;
        _loadingFor = null;
        try
        {
            _data = await loading;
        }
        catch (Exception e) when (e is ArgumentException or DataFormatException)
        {
            throw new PcaRequestException($"shard {this.GetPrimaryKeyString()}: {e.Message}");
        }
    }
}
