using System.Globalization;
using System.Text.Json;
using Orleans;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Gcn;
using Orrery.Experiments;
using Orrery.Gcn.Data;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Experiments;

/// <summary>
/// <c>kind: gcn</c>: partitions the graph, trains it partition-parallel with the spec's exchange mode and writes
/// metrics.csv (one row per epoch), partition.csv (the partition report), loss.svg and accuracy.svg, the trained
/// weights as weights/NAME.npy and summary.json. The run trains on the cluster: a <see cref="IGcnCoordinatorGrain"/>
/// drives one partition grain per part, spread over the active silos, and this runner polls it for epochs.
/// </summary>
public sealed class GcnExperimentRunner : IExperimentRunner
{
    /// <summary>Restarts of a run whose coordinator's silo was lost, before the run fails.</summary>
    public const int MaxRestarts = 2;

    /// <summary>
    /// Gets the training time one <see cref="IGcnCoordinatorGrain.AdvanceAsync"/> call may take before it reports back (at least
    /// one epoch a call). Default 1 s; tests set 0 to see every epoch in its own reply.
    /// </summary>
    internal double AdvanceSeconds { get; init; } = 1;

    /// <inheritdoc />
    public string Kind => "gcn";

    /// <inheritdoc />
    public bool CanResume => true;

    /// <inheritdoc />
    public void Check(SpecNode spec) => _ = GcnSpec.Parse(spec);

    /// <inheritdoc />
    public async Task<ExperimentOutcome> RunAsync(ExperimentContext context, SpecNode spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parsed = GcnSpec.Parse(spec);
        var request = parsed.Request;
        var (start, metrics, bytes, weights, restarts) = await TrainAsync(context, parsed, cancellationToken);
        var output = context.Output;
        // An epoch without an evaluation pass (training.evaluate_every) leaves its accuracy cells empty.
        static string Cell(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);
        output.WriteText("metrics.csv", "epoch,loss,train_accuracy,validation_accuracy,test_accuracy,seconds,exchange_seconds,evaluation_seconds\n" + string.Concat(metrics.Select(m =>
            string.Create(CultureInfo.InvariantCulture, $"{m.Epoch},{m.Loss:R},{Cell(m.TrainAccuracy)},{Cell(m.ValidationAccuracy)},{Cell(m.TestAccuracy)},{m.Seconds:R},{m.ExchangeSeconds:R},{m.EvaluationSeconds:R}\n"))));
        output.WriteText("partition.csv", start.PartitionCsv);
        foreach (var weight in weights)
        {
            NpyFile.Write(output.PathFor($"weights/{weight.Name}.npy"), weight.Values, weight.Rows, weight.Columns);
        }

        double[] epochs = [.. metrics.Select(m => (double)m.Epoch)];
        new SvgPlot($"GCN {parsed.Name}: training loss", "epoch", "loss").Line("loss", epochs, [.. metrics.Select(m => m.Loss)]).Save(output.PathFor("loss.svg"));
        new SvgPlot($"GCN {parsed.Name}: accuracy", "epoch", "accuracy")
            .Line("train", epochs, [.. metrics.Select(m => m.TrainAccuracy)])
            .Line("validation", epochs, [.. metrics.Select(m => m.ValidationAccuracy)])
            .Line("test", epochs, [.. metrics.Select(m => m.TestAccuracy)])
            .Save(output.PathFor("accuracy.svg"));
        var last = metrics[^1];
        output.WriteText("summary.json", JsonSerializer.Serialize(new
        {
            name = parsed.Name,
            nodes = start.Nodes,
            edges = start.Edges,
            parts = parsed.Parts,
            partitioning = parsed.Partitioning,
            mode = parsed.Exchange.Mode.ToString().ToLowerInvariant(),
            rows_exchanged_per_layer = start.RowsExchangedPerLayer,
            exchanged_bytes = bytes,
            coordinator_restarts = restarts,
            coordinator_silo = start.CoordinatorSilo,
            part_silos = start.Parts.Select(p => p.Silo).ToArray(),
            part_devices = start.Parts.Select(p => p.Device).ToArray(),
            final_loss = last.Loss,
            test_accuracy = last.TestAccuracy,
            validation_accuracy = last.ValidationAccuracy,
            mean_epoch_seconds = metrics.Average(m => m.Seconds),
            evaluate_every = parsed.EvaluateEvery,
            evaluation_seconds = metrics.Sum(m => m.EvaluationSeconds),
        }, new JsonSerializerOptions { WriteIndented = true }));
        return new ExperimentOutcome(true,
        [
            $"gcn {parsed.Name}: {parsed.Epochs} epochs, {parsed.Exchange.Mode.ToString().ToLowerInvariant()} exchange on {parsed.Parts} parts",
            string.Create(CultureInfo.InvariantCulture, $"final loss {last.Loss:F4}, test accuracy {last.TestAccuracy:P2}, validation {last.ValidationAccuracy:P2}, {metrics.Average(m => m.Seconds) * 1000:F0} ms per epoch"),
        ],
        []);
    }

    /// <summary>
    /// Trains on the cluster under a fresh job key. The coordinator hands over a checkpoint (weights and Adam's state)
    /// every <c>training.checkpoint_every</c> epochs. When the coordinator's silo is lost (a fresh activation answers
    /// <see cref="GcnRunLostException"/>, or a call fails while the cluster no longer lists that silo as active) the run
    /// starts again under a new key, at most <see cref="MaxRestarts"/> times, and resumes from the last checkpoint (from
    /// the seed when there is none): in vanilla mode with the undisturbed run's bits, since every epoch depends only on
    /// the seed, its number and the weights and optimiser state it starts from. Each checkpoint is also written to the
    /// output's resume folder (<see cref="GcnCheckpointFile"/>), from which <see cref="ExperimentContext.Resume"/> starts a
    /// run whose client was lost; the folder goes when the output is committed.
    /// </summary>
    private async Task<(GcnStartReply Start, List<EpochMetrics> Metrics, long Bytes, List<GcnWeight> Weights, int Restarts)> TrainAsync(
        ExperimentContext context, GcnSpec parsed, CancellationToken cancellationToken)
    {
        var metrics = new List<EpochMetrics>();
        var bytes = new List<long>();
        GcnCheckpoint? checkpoint = null;
        var resumeFile = Path.Combine(context.Output.ResumeDirectory, GcnCheckpointFile.FileName);
        if (context.Resume)
        {
            if (!File.Exists(resumeFile))
            {
                throw new ArgumentException($"--resume: there is no checkpoint to continue at {resumeFile} (an interrupted run of this spec and output folder leaves one there); run without --resume to start from the seed");
            }

            (checkpoint, metrics, bytes) = GcnCheckpointFile.Read(resumeFile, parsed.Request);
            context.Say($"gcn {parsed.Name}: continuing the interrupted run from {resumeFile} (after epoch {checkpoint.Epoch})");
        }
        else if (File.Exists(resumeFile))
        {
            context.Say($"gcn {parsed.Name}: {resumeFile} holds the checkpoint of an interrupted run; this run starts from the seed and replaces it (orrery run --resume continues it)");
        }

        for (var restarts = 0; ; restarts++)
        {
            var coordinator = context.Cluster.GetGrain<IGcnCoordinatorGrain>($"gcn/{parsed.Name}/{Guid.NewGuid():N}");
            GcnStartReply? start = null;
            try
            {
                start = await GcnJob.StartAsync(
                    coordinator, parsed.Request, cancellationToken, phase: p => context.Progress.Report(new ExperimentProgress(0, p)), grains: context.Cluster, say: context.Say);
                var patient = GcnJob.Patient(context.Cluster, coordinator.GetPrimaryKeyString(), start.CoordinatorSilo, context.Say, cancellationToken);
                context.Say($"gcn {parsed.Name}: {start.Nodes} nodes, {start.Edges} edges, {parsed.Parts} parts ({parsed.Partitioning}) on " +
                    $"{string.Join(", ", start.Parts.Select(p => $"{p.Silo}/{p.Device}").Distinct())}, coordinator on {start.CoordinatorSilo}, {start.RowsExchangedPerLayer} rows exchanged per layer, {parsed.Exchange.Mode}");
                var resumeAt = checkpoint?.Epoch ?? 0;
                if (checkpoint is not null)
                {
                    await coordinator.ResumeAsync(checkpoint);
                    context.Say($"gcn {parsed.Name}: resuming from the checkpoint after epoch {checkpoint.Epoch}");
                }

                metrics.RemoveRange(resumeAt, metrics.Count - resumeAt);
                bytes.RemoveRange(resumeAt, bytes.Count - resumeAt);
                for (var finished = false; !finished;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (await patient.CallAsync(() => coordinator.AdvanceAsync(AdvanceSeconds, cancellationToken)) is not { } reply)
                    {
                        continue;
                    }

                    if (reply.Epochs.Count == 0)
                    {
                        // An epoch longer than the coordinator's wait: it goes on, and a later call answers it.
                        context.Progress.Report(new ExperimentProgress((double)metrics.Count / parsed.Epochs, $"training epoch {metrics.Count + 1}/{parsed.Epochs}"));
                    }

                    foreach (var epoch in reply.Epochs)
                    {
                        var row = new EpochMetrics(epoch.Epoch, epoch.Loss, epoch.TrainAccuracy, epoch.ValidationAccuracy, epoch.TestAccuracy, epoch.Seconds, epoch.ExchangeSeconds,
                            epoch.EvaluationSeconds);
                        metrics.Add(row);
                        bytes.Add(epoch.ExchangedBytes);
                        var waiting = row.Seconds > 0 ? row.ExchangeSeconds / row.Seconds : 0;
                        var accuracies = row.Evaluated ? $"train {row.TrainAccuracy:P1}, val {row.ValidationAccuracy:P1}" : "not evaluated";
                        context.Progress.Report(new ExperimentProgress((row.Epoch + 1.0) / parsed.Epochs,
                            $"epoch {row.Epoch + 1}/{parsed.Epochs}, loss {row.Loss:F4}, {accuracies}, {row.Seconds * 1000:F0} ms, exchange {waiting:P0}"));
                    }

                    if (reply.Checkpoint is { } fresh)
                    {
                        // Kept beside the output, so that a lost client's run can go on (orrery run --resume).
                        checkpoint = fresh;
                        GcnCheckpointFile.Write(context.Output.ResumePath(GcnCheckpointFile.FileName), parsed.Request, checkpoint, metrics, bytes);
                    }

                    finished = reply.Finished;
                }

                List<GcnWeight>? weights;
                while ((weights = await patient.CallAsync(coordinator.GetWeightsAsync)) is null)
                {
                }

                await ReleaseQuietlyAsync(coordinator);
                return (start, metrics, bytes.Sum(), weights, restarts);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Interrupted (Ctrl-C): the run's grains let go of its graph and activations now, not when collected as idle.
                await ReleaseQuietlyAsync(coordinator);
                throw;
            }
            catch (GcnRequestException)
            {
                await ReleaseQuietlyAsync(coordinator);
                throw;
            }
            catch (Exception e) when (restarts < MaxRestarts && !cancellationToken.IsCancellationRequested && (e is GcnRunLostException || (SiloLoss.Means(e) && start is not null)))
            {
                if (e is not GcnRunLostException && !await LostSilo.WaitUntilGoneAsync(context.Cluster, start!.CoordinatorSilo, cancellationToken: cancellationToken))
                {
                    throw;
                }

                context.Say($"gcn {parsed.Name}: the coordinator's silo {start?.CoordinatorSilo} was lost ({e.GetType().Name}); starting the run again under a new key" +
                    (checkpoint is null ? " from the seed" : $" from the checkpoint after epoch {checkpoint.Epoch}"));
            }
        }
    }

    /// <summary>Ends the run on the cluster (<see cref="IGcnCoordinatorGrain.ReleaseAsync"/>); a coordinator that is gone or slow has nothing more to give back here.</summary>
    private static async Task ReleaseQuietlyAsync(IGcnCoordinatorGrain coordinator)
    {
        try
        {
            await coordinator.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is Orleans.Runtime.OrleansException or TimeoutException or OperationCanceledException)
        {
            // Its grains are collected as idle in the end.
        }
    }
}
