using System.Diagnostics;
using System.Runtime.InteropServices;
using Orrery.Cluster.Grains;
using Orrery.Compute;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;

namespace Orrery.Pca.Grains;

/// <summary>
/// Holds row blocks of Y (or Sigma) on its silo's device. Every multiply request carries the shard's load
/// description, so an activation that finds itself empty (its previous silo died) re-loads from the source.
/// </summary>
public sealed class DataShardGrain(IServiceProvider services) : Grain, IDataShard
{
    private ShardData? _data;

    public Task<ShardLoadReply> LoadAsync(ShardLoadRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var already = Ensure(request);
        return Task.FromResult(new ShardLoadReply
        {
            Silo = SiloName,
            Rows = _data!.Rows,
            Dimension = _data.Dimension,
            TotalRows = _data.TotalRows,
            Seconds = clock.Elapsed.TotalSeconds,
            AlreadyLoaded = already,
            Device = PcaDevice.Resolve(services).Name,
        });
    }

    public Task<ShardMultiplyReply> MultiplyAsync(ShardMultiplyRequest request, CancellationToken cancellationToken)
    {
        var reloaded = !Ensure(request.Load);
        var vectors = MemoryMarshal.Cast<byte, float>(request.Payload.Span);
        var product = _data!.Multiply(vectors, request.Vectors, request.Leaf, out var rows);
        return Task.FromResult(new ShardMultiplyReply
        {
            Silo = SiloName,
            Reloaded = reloaded,
            Rows = rows,
            Payload = MemoryMarshal.AsBytes(product.AsSpan()).ToArray(),
        });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _data?.Dispose();
        _data = null;
        return Task.CompletedTask;
    }

    /// <summary>Loads the shard unless it holds exactly this description; true when it already did.</summary>
    private bool Ensure(ShardLoadRequest request)
    {
        if (_data is not null && _data.Request.Equals(request))
        {
            return true;
        }

        _data?.Dispose();
        _data = null;
        _data = ShardData.Load(PcaDevice.Resolve(services), request);
        return false;
    }
}
