using System.Globalization;
using System.Text.Json;
using Orrery.Compute.Cpu;
using Orrery.Experiments;
using Orrery.Gcn.Data;
using Orrery.Gcn.Partitioning;
using Orrery.Gcn.Training;

namespace Orrery.Gcn.Experiments;

/// <summary>
/// <c>kind: gcn</c>: partitions the graph, trains it partition-parallel with the spec's exchange mode and writes
/// metrics.csv (one row per epoch), partition.csv (the partition report), loss.svg and accuracy.svg, the trained
/// weights as weights/NAME.npy and summary.json. So far the parts train in the process that runs the spec (the
/// in-process trainer); the grain-based run across silos is not built yet.
/// </summary>
public sealed class GcnExperimentRunner : IExperimentRunner
{
    /// <inheritdoc />
    public string Kind => "gcn";

    /// <inheritdoc />
    public void Check(SpecNode spec) => _ = GcnSpec.Parse(spec);

    /// <inheritdoc />
    public Task<ExperimentOutcome> RunAsync(ExperimentContext context, SpecNode spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parsed = GcnSpec.Parse(spec);
        var graph = parsed.LoadGraph();
        var model = parsed.ModelFor(graph);
        model.Validate();
        var assignment = parsed.Partitioning == "metis"
            ? MetisPartitioner.Partition(graph, parsed.Parts, parsed.Seed)
            : RandomPartitioner.Partition(graph.NodeCount, parsed.Parts, parsed.Seed);
        var plans = PartitionPlan.Build(graph, assignment, parsed.Parts, model.Kind);
        context.Say($"gcn {parsed.Name}: {graph.NodeCount} nodes, {graph.EdgeCount} edges, {parsed.Parts} parts ({parsed.Partitioning}), {PartitionReport.RowsExchangedPerLayer(plans)} rows exchanged per layer, {parsed.Exchange.Mode}");
        using var device = new CpuDevice();
        using var trainer = new InProcessTrainer(device, model, plans, parsed.Exchange, parsed.LearningRate, parsed.WeightDecay);
        var metrics = new List<EpochMetrics>();
        for (var epoch = 0; epoch < parsed.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = trainer.Train(1)[0] with { Epoch = epoch };
            metrics.Add(row);
            var waiting = row.Seconds > 0 ? row.ExchangeSeconds / row.Seconds : 0;
            context.Progress.Report(new ExperimentProgress((epoch + 1.0) / parsed.Epochs,
                $"epoch {epoch + 1}/{parsed.Epochs}, loss {row.Loss:F4}, train {row.TrainAccuracy:P1}, val {row.ValidationAccuracy:P1}, {row.Seconds * 1000:F0} ms, exchange {waiting:P0}"));
        }

        var output = context.Output;
        output.WriteText("metrics.csv", "epoch,loss,train_accuracy,validation_accuracy,test_accuracy,seconds,exchange_seconds\n" + string.Concat(metrics.Select(m =>
            string.Create(CultureInfo.InvariantCulture, $"{m.Epoch},{m.Loss:R},{m.TrainAccuracy:R},{m.ValidationAccuracy:R},{m.TestAccuracy:R},{m.Seconds:R},{m.ExchangeSeconds:R}\n"))));
        output.WriteText("partition.csv", PartitionReport.ToCsv(plans));
        foreach (var (name, value) in trainer.Parameters.Entries)
        {
            NpyFile.Write(output.PathFor($"weights/{name}.npy"), value.Span, value.Rows, value.Columns);
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
            nodes = graph.NodeCount,
            edges = graph.EdgeCount,
            parts = parsed.Parts,
            partitioning = parsed.Partitioning,
            mode = parsed.Exchange.Mode.ToString().ToLowerInvariant(),
            rows_exchanged_per_layer = PartitionReport.RowsExchangedPerLayer(plans),
            final_loss = last.Loss,
            test_accuracy = last.TestAccuracy,
            validation_accuracy = last.ValidationAccuracy,
            mean_epoch_seconds = metrics.Average(m => m.Seconds),
        }, new JsonSerializerOptions { WriteIndented = true }));
        return Task.FromResult(new ExperimentOutcome(true,
        [
            $"gcn {parsed.Name}: {parsed.Epochs} epochs, {parsed.Exchange.Mode.ToString().ToLowerInvariant()} exchange on {parsed.Parts} parts",
            string.Create(CultureInfo.InvariantCulture, $"final loss {last.Loss:F4}, test accuracy {last.TestAccuracy:P2}, validation {last.ValidationAccuracy:P2}, {metrics.Average(m => m.Seconds) * 1000:F0} ms per epoch"),
        ],
        []));
    }
}
