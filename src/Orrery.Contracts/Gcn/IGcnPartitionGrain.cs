using Orleans;
using Orleans.Concurrency;

namespace Orrery.Contracts.Gcn;

/// <summary>
/// One part of a GCN run on its silo: its inner nodes, their halo and the layer activations. The coordinator calls it
/// phase by phase; boundary blocks leave it in its silo's tensor store and reach their reader by <see cref="Tensors.TensorRef"/>.
/// Every call but <see cref="SetUpAsync"/> and <see cref="IsSetUpAsync"/> on an activation that was never set up throws
/// <see cref="GcnPartLostException"/>.
/// </summary>
[Alias("orrery.gcn.partition")]
public interface IGcnPartitionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Builds the part's plan from <paramref name="request"/> (graph and partition rebuilt on this silo, in the
    /// background) and its model on the silo's device named <paramref name="device"/> ("cpu", "cuda:0", ...), waiting at
    /// most <paramref name="waitSeconds"/>; not <see cref="GcnPartInfo.Ready"/> yet: ask again. Asking for another part of
    /// the same activation, or for a device the silo does not have, throws <see cref="GcnRequestException"/>.
    /// </summary>
    [Alias("set-up")]
    Task<GcnPartInfo> SetUpAsync(GcnTrainRequest request, int part, string device, double waitSeconds, CancellationToken cancellationToken);

    /// <summary>False on a fresh activation that holds no part.</summary>
    [Alias("is-set-up")]
    Task<bool> IsSetUpAsync();

    /// <summary>
    /// Loads <paramref name="weights"/> (flattened, every part's copy: inline up to the run's limit, else a reference into
    /// the coordinator's tensor store that every part reads once) and starts a forward pass.
    /// </summary>
    [Alias("begin-block")]
    Task BeginForwardAsync(int iteration, bool training, GcnBlock weights);

    /// <summary>This part's rows of layer <paramref name="layer"/>'s input that each peer needs, one block per peer.</summary>
    [Alias("send-features")]
    Task<List<GcnBlock>> SendFeaturesAsync(int layer, bool evaluation);

    /// <summary>
    /// Takes the peers' blocks for this part's halo of layer <paramref name="layer"/>; when <paramref name="commit"/>,
    /// makes them current once all have arrived (a training pass's with the run's smoothing). Interleaves with the
    /// part's computation: in the pipelined modes the blocks of iteration t are fetched while the part computes on, and
    /// the coordinator waits for them only before iteration t + 1 forwards layer <paramref name="layer"/>, the one
    /// computation that reads them (layer l's forward of iteration t has read its halo before they are sent).
    /// </summary>
    [AlwaysInterleave]
    [Alias("receive-features")]
    Task<long> ReceiveFeaturesAsync(int layer, bool evaluation, bool commit, List<GcnBlock> blocks, CancellationToken cancellationToken);

    /// <summary>Computes layer <paramref name="layer"/> forward.</summary>
    [Alias("forward")]
    Task ForwardLayerAsync(int layer);

    /// <summary>The loss share and correct counts of the last forward pass.</summary>
    [Alias("loss")]
    Task<GcnScores> ComputeLossAsync();

    /// <summary>Computes layer <paramref name="layer"/> backward as far as the halo gradients.</summary>
    [Alias("backward")]
    Task BackwardLayerAsync(int layer);

    /// <summary>The gradients of this part's halo rows of layer <paramref name="layer"/>, one block per owner.</summary>
    [Alias("send-gradients")]
    Task<List<GcnBlock>> SendGradientsAsync(int layer);

    /// <summary>
    /// Takes the owners' gradients of this part's sent rows; makes them current (with the run's smoothing) once all have
    /// arrived when <paramref name="commit"/>. Interleaves as <see cref="ReceiveFeaturesAsync"/>: the one computation
    /// that reads them is <see cref="FinishBackwardLayerAsync"/> of layer <paramref name="layer"/>.
    /// </summary>
    [AlwaysInterleave]
    [Alias("receive-gradients")]
    Task<long> ReceiveGradientsAsync(int layer, bool commit, List<GcnBlock> blocks, CancellationToken cancellationToken);

    /// <summary>Finishes layer <paramref name="layer"/> backward with the boundary gradients received.</summary>
    [Alias("finish-backward")]
    Task FinishBackwardLayerAsync(int layer);

    /// <summary>This part's weight gradient, flattened in the parameters' order (inline up to the run's limit, else by reference for one read).</summary>
    [Alias("weight-gradient-block")]
    Task<GcnBlock> WeightGradientsAsync();

    /// <summary>Frees the part's model and its silo's copy of the run's graph, and deactivates it (see <see cref="IGcnCoordinatorGrain.ReleaseAsync"/>).</summary>
    [Alias("release")]
    Task ReleaseAsync();
}
