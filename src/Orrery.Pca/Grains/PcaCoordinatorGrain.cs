using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Grains;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Grains;

/// <summary>
/// Runs one PCA solver across the cluster (<see cref="PcaDriver"/> over a <see cref="GrainBackend"/>).
/// The client drives it in slices (<see cref="AdvanceAsync"/>) so that no call outlives its deadline,
/// and sees every round's record as it comes.
/// </summary>
public sealed partial class PcaCoordinatorGrain(IMeterFactory meterFactory, ILogger<PcaCoordinatorGrain> logger) : Grain, IPcaCoordinator
{
    private readonly PcaSiloMetrics _metrics = PcaSiloMetrics.For(meterFactory);
    private PcaDriver? _driver;
    private GrainBackend? _backend;

    // What the metrics have been told so far: the backend's byte count and the driver's recoveries.
    private long _bytesReported;
    private int _recoveriesReported;

    public async Task<PcaStartReply> StartAsync(PcaStartRequest request, CancellationToken cancellationToken)
    {
        PcaStartRequest options;
        try
        {
            options = PcaOptions.Normalise(request);
        }
        catch (Exception e) when (e is ArgumentException or DataFormatException)
        {
            throw new BadRequestException(e.Message);
        }

        _metrics.RunEnded(GrainId.Key);
        _backend = new GrainBackend(GrainFactory, GrainId.Key, options);
        _driver = new PcaDriver(options, _backend);
        (_bytesReported, _recoveriesReported) = (0, 0);
        await _driver.StartAsync(cancellationToken).ConfigureAwait(false);
        _metrics.RunStarted(GrainId.Key);
        ReportProgress(0, double.NaN);
        var reply = new PcaStartReply
        {
            Dimension = _driver.Dimension,
            Rows = _driver.Rows,
            HasTruth = _driver.Truth is not null,
            LoadSeconds = _driver.SetupSeconds.Load,
            TruthSeconds = _driver.SetupSeconds.Truth,
        };
        reply.ShardSilos.AddRange(_backend.ShardLocations);
        reply.WorkerSilos.AddRange(_backend.WorkerLocations);
        if (_driver.Truth is { } truth)
        {
            reply.TrueEigenvalues.AddRange(truth.Eigenvalues);
        }

        return reply;
    }

    public async Task<PcaAdvanceReply> AdvanceAsync(PcaAdvanceRequest request, CancellationToken cancellationToken)
    {
        var driver = _driver ?? throw new BadRequestException($"PCA run {GrainId.Key} was not started (or its coordinator was lost); start it again");
        var budget = TimeSpan.FromSeconds(Math.Clamp(request.Seconds, 0.01, 60));
        var recoveriesBefore = driver.Recoveries;
        await driver.AdvanceAsync(budget, cancellationToken).ConfigureAwait(false);
        if (driver.Recoveries > recoveriesBefore)
        {
            LogRecovered(GrainId.Key, driver.Recoveries - recoveriesBefore, driver.Round + 1, driver.LastFailure, string.Join(", ", _backend!.ShardLocations), string.Join(", ", _backend.WorkerLocations));
        }

        if (driver.Finished)
        {
            await driver.FinishAsync(cancellationToken).ConfigureAwait(false);
            LogFinished(GrainId.Key, driver.StopReason, driver.History.Count > 0 ? driver.History[^1].Error : double.NaN);
        }

        var reply = new PcaAdvanceReply
        {
            Finished = driver.Finished,
            StopReason = driver.StopReason,
            Recoveries = driver.Recoveries,
            ReloadedShards = _backend!.ReloadedShards,
            LastFailure = driver.LastFailure,
        };
        var rounds = driver.TakeNewRecords();
        ReportProgress(rounds.Count, rounds.Count > 0 ? rounds[^1].Error : double.NaN);
        if (driver.Finished)
        {
            _metrics.RunEnded(GrainId.Key);
        }

        reply.Rounds.AddRange(rounds);
        reply.ShardSilos.AddRange(_backend.ShardLocations);
        reply.WorkerSilos.AddRange(_backend.WorkerLocations);
        return reply;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _metrics.RunEnded(GrainId.Key);
        return Task.CompletedTask;
    }

    public Task<PcaResultReply> ResultAsync(PcaResultRequest request, CancellationToken cancellationToken)
    {
        var driver = _driver ?? throw new BadRequestException($"PCA run {GrainId.Key} was not started");
        var vectors = new float[driver.Published.Count * driver.Dimension];
        for (var k = 0; k < driver.Published.Count; k++)
        {
            driver.Published[k].CopyTo(vectors, k * driver.Dimension);
        }

        var reply = new PcaResultReply
        {
            Components = driver.Published.Count,
            Dimension = driver.Dimension,
            Finished = driver.Finished,
            StopReason = driver.StopReason,
            Recoveries = driver.Recoveries,
            ReloadedShards = _backend!.ReloadedShards,
            Payload = MemoryMarshal.AsBytes(vectors.AsSpan()).ToArray(),
        };
        reply.Eigenvalues.AddRange(driver.Eigenvalues);
        reply.History.AddRange(driver.History);
        return Task.FromResult(reply);
    }

    private void ReportProgress(int rounds, double error)
    {
        var bytes = _backend!.BytesCommunicated;
        var recoveries = _driver!.Recoveries;
        _metrics.Advanced(GrainId.Key, rounds, bytes - _bytesReported, recoveries - _recoveriesReported, error);
        (_bytesReported, _recoveriesReported) = (bytes, recoveries);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PCA run {Job}: {Count} round(s) re-run after a failure (now at round {Round}): {Failure}; shards on [{Shards}], workers on [{Workers}]")]
    private partial void LogRecovered(string job, int count, int round, string failure, string shards, string workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "PCA run {Job} finished: {Reason}, E = {Error}")]
    private partial void LogFinished(string job, string reason, double error);
}
