using Microsoft.Extensions.Logging;
using Orrery.Cluster.Silos;

namespace Orrery.Pca.Grains;

public sealed partial class PcaCoordinatorGrain
{
    [LoggerMessage(EventId = OrreryLogEvents.PcaRunStarted, Level = LogLevel.Information,
        Message = "PCA run {Job} started: {Solver} for {Components} component(s), {Mode} mode, {Shards} shard(s) on [{ShardSilos}], workers on [{WorkerSilos}]")]
    private partial void LogStarted(string job, string solver, int components, string mode, int shards, string shardSilos, string workerSilos);

    [LoggerMessage(EventId = OrreryLogEvents.PcaRunRecovered, Level = LogLevel.Warning, Message = "PCA run {Job}: {Count} round(s) re-run after a failure (now at round {Round}): {Failure}; shards on [{Shards}], workers on [{Workers}]")]
    private partial void LogRecovered(string job, int count, int round, string failure, string shards, string workers);

    [LoggerMessage(EventId = OrreryLogEvents.PcaRunFinished, Level = LogLevel.Information, Message = "PCA run {Job} finished: {Reason}, E = {Error}")]
    private partial void LogFinished(string job, string reason, double error);

    [LoggerMessage(EventId = OrreryLogEvents.PcaRunFailed, Level = LogLevel.Warning, Message = "PCA run {Job} failed: {Failure}")]
    private partial void LogFailed(string job, string failure);

    [LoggerMessage(EventId = OrreryLogEvents.PcaRunReleased, Level = LogLevel.Information, Message = "PCA run {Job} released: {Shards} shard(s) and {Workers} worker(s) freed")]
    private partial void LogReleased(string job, int shards, int workers);
}
