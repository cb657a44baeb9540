using Orleans;

namespace Orrery.Contracts.Gcn;

/// <summary>
/// Trains one GCN run across the cluster: places one partition grain per part over the active silos (round robin),
/// drives every epoch in lock step (forward layer by layer, loss, backward, boundary blocks exchanged between the
/// parts by tensor reference, weight gradients summed in part order, Adam), evaluates after each epoch and keeps the
/// weights. The run lives in this activation.
/// </summary>
[Alias("orrery.gcn.coordinator")]
public interface IGcnCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes the run: builds the graph and the partition plans, initialises the weights from the seed and sets up every
    /// part on its silo. A run it cannot take, or a second start of the same activation, throws <see cref="GcnRequestException"/>.
    /// </summary>
    [Alias("start")]
    Task<GcnStartReply> StartAsync(GcnTrainRequest request, CancellationToken cancellationToken);

    /// <summary>Trains epochs for about <paramref name="seconds"/> (at least one) and answers the epochs finished meanwhile.</summary>
    [Alias("advance")]
    Task<GcnAdvanceReply> AdvanceAsync(double seconds, CancellationToken cancellationToken);

    /// <summary>The trained weights, by name.</summary>
    [Alias("weights")]
    Task<List<GcnWeight>> GetWeightsAsync();
}
