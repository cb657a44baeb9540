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
    /// Takes the run and answers at once; building the graph and the plans, initialising the weights and setting up the
    /// parts are the work of the <see cref="SetUpAsync"/> calls that follow, each bounded, so no call waits on a long
    /// set-up past its deadline. A second start of the same activation throws <see cref="GcnRequestException"/>.
    /// </summary>
    [Alias("start")]
    Task<GcnStartReply> StartAsync(GcnTrainRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Works on the set-up for about <paramref name="seconds"/>; the reply is <see cref="GcnStartReply.Ready"/> once every
    /// part is set up. A run that cannot be built (a bad file, a bad model) throws <see cref="GcnRequestException"/>.
    /// </summary>
    [Alias("set-up")]
    Task<GcnStartReply> SetUpAsync(double seconds, CancellationToken cancellationToken);

    /// <summary>
    /// Continues a run from <paramref name="checkpoint"/> (taken by an earlier coordinator of the same request, whose
    /// silo was lost): once set up and before the first advance. A checkpoint that does not fit the model, or a run
    /// that has already trained, throws <see cref="GcnRequestException"/>.
    /// </summary>
    [Alias("resume")]
    Task ResumeAsync(GcnCheckpoint checkpoint);

    /// <summary>
    /// Trains epochs for about <paramref name="seconds"/> and answers the epochs finished meanwhile: at least one, unless
    /// an epoch outlasts the call's own limit (a third of the silo's response timeout, at most 10 s; the epoch goes on and a
    /// later call answers it), so no call waits past its deadline however long an epoch takes.
    /// </summary>
    [Alias("advance")]
    Task<GcnAdvanceReply> AdvanceAsync(double seconds, CancellationToken cancellationToken);

    /// <summary>The trained weights, by name.</summary>
    [Alias("weights")]
    Task<List<GcnWeight>> GetWeightsAsync();

    /// <summary>
    /// Ends the run, finished or not (the client calls it after reading the weights, and when the user interrupts it):
    /// releases every part (its model, activations and halo, and its silo's copy of the graph) and deactivates this
    /// coordinator, so the run's memory is given back at once rather than when the grains are collected as idle. A call
    /// after it reaches a fresh activation and throws <see cref="GcnRunLostException"/>. Releasing twice is harmless.
    /// </summary>
    [Alias("release")]
    Task ReleaseAsync();
}
