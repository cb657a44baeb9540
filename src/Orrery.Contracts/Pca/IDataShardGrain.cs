using Orleans;

namespace Orrery.Contracts.Pca;

/// <summary>
/// Holds row blocks of a PCA data matrix Y (or the covariance) on its silo's device and multiplies whole blocks of
/// vectors by them: given V (m x d) it answers Y_s^T (Y_s V) with two GEMMs per leaf. The coordinator places each shard
/// on a chosen silo with a placement hint; every placement has a key of its own.
/// </summary>
[Alias("orrery.pca.shard")]
public interface IDataShardGrain : IGrainWithStringKey
{
    /// <summary>Loads the shard's rows from their source (nothing when already loaded with the same description).</summary>
    [Alias("load")]
    Task<ShardLoadReply> LoadAsync(ShardLoadRequest request, CancellationToken cancellationToken);

    /// <summary>Multiplies the request's vectors by the shard's part of Y^T Y (loading it first when it was lost).</summary>
    [Alias("multiply")]
    Task<ShardMultiplyReply> MultiplyAsync(ShardMultiplyRequest request, CancellationToken cancellationToken);
}
