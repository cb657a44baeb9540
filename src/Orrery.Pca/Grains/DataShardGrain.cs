using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
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

    /// <inheritdoc />
    public async Task<ShardLoadReply> LoadAsync(ShardLoadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var already = await EnsureAsync(request);
        return new ShardLoadReply
        {
            Silo = silo.Name,
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
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _data?.Dispose();
        _data = null;
        return Task.CompletedTask;
    }

    /// <summary>Loads the shard unless it holds exactly this description; true when it already did.</summary>
    private async Task<bool> EnsureAsync(ShardLoadRequest request)
    {
        if (_data is not null && _data.Request.Equals(request))
        {
            return true;
        }

        _data?.Dispose();
        _data = null;
        var device = PcaDevice.Resolve(services);
        try
        {
            _data = await Task.Run(() => ShardData.Load(device, request));
        }
        catch (Exception e) when (e is ArgumentException or DataFormatException)
        {
            throw new PcaRequestException($"shard {this.GetPrimaryKeyString()}: {e.Message}");
        }

        return false;
    }
}
