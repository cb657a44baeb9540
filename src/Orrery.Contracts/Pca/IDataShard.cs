using Orrery.Contracts.Grains;

namespace Orrery.Contracts.Pca;

/// <summary>
/// Holds row blocks of a PCA data matrix Y (or the covariance) on its silo's device and multiplies
/// whole blocks of vectors by them: given V (m x d) it answers Y_s^T (Y_s V) with two GEMMs per leaf.
/// </summary>
[GrainType("pca.shard")]
public interface IDataShard : IGrain
{
    /// <summary>Loads the shard's rows from their source (nothing when already loaded with the same description).</summary>
    Task<ShardLoadReply> LoadAsync(ShardLoadRequest request, CancellationToken cancellationToken);

    /// <summary>Multiplies the payload's vectors by the shard's part of Y^T Y (loading it first when it was lost).</summary>
    [BorrowsPayload]
    Task<ShardMultiplyReply> MultiplyAsync(ShardMultiplyRequest request, CancellationToken cancellationToken);
}
