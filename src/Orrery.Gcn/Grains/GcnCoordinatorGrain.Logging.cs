using Microsoft.Extensions.Logging;
using Orrery.Cluster.Silos;

namespace Orrery.Gcn.Grains;

/// <summary>The GCN coordinator's log events (ids in <see cref="OrreryLogEvents"/>): a run's start, set-up, end and recoveries.</summary>
public sealed partial class GcnCoordinatorGrain
{
    [LoggerMessage(EventId = OrreryLogEvents.GcnRunStarted, Level = LogLevel.Information,
        Message = "GCN run {Job} started: {Parts} part(s) ({Partitioning}), {Mode} exchange, {Epochs} epochs; building the graph and the partition plans")]
    private partial void LogStarted(string job, int parts, string partitioning, string mode, int epochs);

    [LoggerMessage(EventId = OrreryLogEvents.GcnRunReady, Level = LogLevel.Information,
        Message = "GCN run {Job} set up: {Nodes} nodes, {Edges} edges in {Parts} part(s) on [{PartSilos}], {Rows} rows exchanged per layer")]
    private partial void LogReady(string job, int nodes, long edges, int parts, string partSilos, long rows);

    [LoggerMessage(EventId = OrreryLogEvents.GcnRunFinished, Level = LogLevel.Information,
        Message = "GCN run {Job} finished {Epochs} epochs: loss {Loss:F4}, test accuracy {TestAccuracy:P1}, {Recoveries} recoveries")]
    private partial void LogFinished(string job, int epochs, double loss, double testAccuracy, int recoveries);

    [LoggerMessage(EventId = OrreryLogEvents.GcnPartsReplaced, Level = LogLevel.Warning,
        Message = "GCN run {Job}: placed again after a lost silo ({Error}: {Message}) at epoch {Epoch}, {Seconds:F1} s after the failure: {Moves}")]
    private partial void LogPartsReplaced(string job, string moves, string error, string message, int epoch, double seconds);

    [LoggerMessage(EventId = OrreryLogEvents.GcnRunReleased, Level = LogLevel.Information,
        Message = "GCN run {Job} released after {Epoch} of {Epochs} epochs: {Parts} part(s) freed")]
    private partial void LogReleased(string job, int parts, int epoch, int epochs);
}
