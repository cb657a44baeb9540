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
    /// <summary>
    /// Starts loading the shard's rows from their source in the background (nothing when already loaded, or loading,
    /// with the same description) and waits for them at most <paramref name="waitSeconds"/>: the reply says whether
    /// they are <see cref="ShardLoadReply.Ready"/>. A large file never holds one call past its deadline; the
    /// coordinator asks again until every shard is ready.
    /// </summary>
    [Alias("load")]
    Task<ShardLoadReply> LoadAsync(ShardLoadRequest request, double waitSeconds, CancellationToken cancellationToken);

    /// <summary>Multiplies the request's vectors by the shard's part of Y^T Y (loading it first when it was lost).</summary>
    [Alias("multiply")]
    Task<ShardMultiplyReply> MultiplyAsync(ShardMultiplyRequest request, CancellationToken cancellationToken);

    /// <summary>Frees the shard's rows (a load still running frees its rows when it ends) and deactivates it.</summary>
    [Alias("release")]
    Task ReleaseAsync();
}
