using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orrery.Cluster.Silos;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Grains;

/// <summary>
/// Runs one PCA solver across the cluster (<see cref="PcaDriver"/> over a <see cref="GrainBackend"/>). The client drives
/// it in slices (<see cref="AdvanceAsync"/>) so that no call outlives its deadline, and sees every round's record as it
/// comes. A lost shard or worker silo is recovered from here (its grains placed again, the failed round re-run from the
/// state at its start). The run itself lives in this activation only: when the coordinator's own silo is lost, a call
/// finds a fresh activation and gets <see cref="PcaRunLostException"/>, and the client starts the run again under a new
/// key (<see cref="Experiments.PcaJob"/>); a synchronous run gives the same bits from the same request.
/// </summary>
public sealed partial class PcaCoordinatorGrain : Grain, IPcaCoordinatorGrain
{
    private readonly PcaSiloMetrics _metrics;
    private readonly ILogger<PcaCoordinatorGrain> _logger;
    private readonly IClusterMembershipService _membership;
    private readonly ISiloMetadataCache _metadata;
    private readonly TensorChannel _tensors;
    private readonly string _siloName;
    private PcaDriver? _driver;
    private GrainBackend? _backend;
    private string? _failure;

    // What the metrics have been told so far: the backend's byte count and the driver's recoveries.
    private long _bytesReported;
    private int _recoveriesReported;

    /// <summary>Created by the silo.</summary>
    public PcaCoordinatorGrain(IMeterFactory meterFactory, ILogger<PcaCoordinatorGrain> logger, IClusterMembershipService membership,
        ISiloMetadataCache metadata, TensorChannel tensors, ILocalSiloDetails silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _metrics = PcaSiloMetrics.For(meterFactory);
        _logger = logger;
        _membership = membership;
        _metadata = metadata;
        _tensors = tensors;
        _siloName = silo.Name;
    }

    private string Job => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public Task<PcaStartReply> StartAsync(PcaStartRequest request, CancellationToken cancellationToken)
    {
        if (_driver is not null)
        {
            throw new PcaRequestException($"PCA run '{Job}' was already started on this coordinator; use a new key per run");
        }

        PcaStartRequest options;
        try
        {
            options = PcaOptions.Normalise(request ?? throw new ArgumentException("the request is missing"));
        }
        catch (Exception e) when (e is ArgumentException or DataFormatException)
        {
            throw new PcaRequestException(e.Message);
        }

        var backend = new GrainBackend(GrainFactory, _tensors, () => ClusterInventoryGrain.ActiveSilos(_membership, _metadata), Job, options);
        (_driver, _backend) = (new PcaDriver(options, backend), backend);
        (_bytesReported, _recoveriesReported) = (0, 0);
        _metrics.RunStarted(Job);
        LogStarted(Job, options.Solver, options.Components, options.Mode, options.Shards, string.Join(", ", backend.ShardLocations), string.Join(", ", backend.WorkerLocations));
        ReportProgress(0, double.NaN);

        // The set-up (shards loading, the truth) is the first work of AdvanceAsync, in slices: it may take minutes.
        return Task.FromResult(new PcaStartReply
        {
            ShardSilos = [.. backend.ShardLocations],
            WorkerSilos = [.. backend.WorkerLocations],
            CoordinatorSilo = _siloName,
        });
    }

    /// <inheritdoc />
    public async Task<PcaAdvanceReply> AdvanceAsync(double seconds, CancellationToken cancellationToken)
    {
        var driver = Running();
        var backend = _backend!;
        var budget = TimeSpan.FromSeconds(Math.Clamp(seconds, 0.01, 60));
        var recoveriesBefore = driver.Recoveries;
        var wasReady = driver.Ready;
        try
        {
            if (!driver.Finished)
            {
                await driver.AdvanceAsync(budget, CancellationToken.None);
                if (driver.Finished)
                {
                    await driver.FinishAsync(CancellationToken.None);
                    LogFinished(Job, driver.StopReason, driver.History.Count > 0 ? driver.History[^1].Error : double.NaN);
                }
            }
        }
        catch (Exception e)
        {
            // Not a lost silo the backend could recover from (or too many in a row): the run has failed for good. A bad
            // value found only once the data is loaded (components beyond its dimension, too few rows for the leaves)
            // is a refused request, as it would have been at the start.
            _failure = $"{e.GetType().Name}: {e.Message}";
            _metrics.RunEnded(Job);
            LogFailed(Job, _failure);
            if (e is PcaOptionException or PcaRequestException)
            {
                throw new PcaRequestException(e.Message);
            }

            var where = driver.Ready ? $"at round {driver.Round + 1}" : $"while {driver.Phase}";
            throw new PcaRunFailedException($"PCA run '{Job}' failed {where}: {_failure}");
        }

        if (driver.Recoveries > recoveriesBefore)
        {
            LogRecovered(Job, driver.Recoveries - recoveriesBefore, driver.Round + 1, driver.LastFailure, string.Join(", ", backend.ShardLocations), string.Join(", ", backend.WorkerLocations));
        }

        var rounds = driver.TakeNewRecords();
        ReportProgress(rounds.Count, rounds.Count > 0 ? rounds[^1].Error : double.NaN);
        if (driver.Finished)
        {
            _metrics.RunEnded(Job);
        }

        return new PcaAdvanceReply
        {
            Phase = driver.Phase,
            Setup = !wasReady && driver.Ready ? SetupReply(driver, backend) : null,
            Rounds = [.. rounds],
            Finished = driver.Finished,
            StopReason = driver.StopReason,
            Recoveries = driver.Recoveries,
            ReloadedShards = backend.ReloadedShards,
            LastFailure = driver.LastFailure,
            ShardSilos = [.. backend.ShardLocations],
            WorkerSilos = [.. backend.WorkerLocations],
        };
    }

    /// <inheritdoc />
    public Task<PcaResultReply> GetResultAsync()
    {
        var driver = Running();
        if (!driver.Finished)
        {
            throw new PcaRequestException($"PCA run '{Job}' is still running (round {driver.Round})");
        }

        return Task.FromResult(new PcaResultReply
        {
            Components = driver.Published.Count,
            Dimension = driver.Dimension,
            Finished = driver.Finished,
            StopReason = driver.StopReason,
            Recoveries = driver.Recoveries,
            ReloadedShards = _backend!.ReloadedShards,
            Eigenvalues = [.. driver.Eigenvalues],
            History = [.. driver.History],
        });
    }

    /// <inheritdoc />
    public Task<float[]> GetVectorsAsync(int first, int count)
    {
        var driver = Running();
        if (first < 0 || count < 0 || first + count > driver.Published.Count)
        {
            throw new PcaRequestException($"vectors {first}..{first + count - 1} asked; run '{Job}' has {driver.Published.Count}");
        }

        // (count, d), row after row.
        var vectors = new float[count * driver.Dimension];
        for (var k = 0; k < count; k++)
        {
            driver.Published[first + k].CopyTo(vectors, k * driver.Dimension);
        }

        return Task.FromResult(vectors);
    }

    /// <inheritdoc />
    public async Task ReleaseAsync()
    {
        var (driver, backend) = (_driver, _backend);
        (_driver, _backend) = (null, null);
        driver?.Abandon();
        if (backend is not null)
        {
            await backend.ReleaseAsync();
            LogReleased(Job, backend.ShardCount, backend.WorkerLocations.Length);
        }

        _metrics.RunEnded(Job);
        DeactivateOnIdle();
    }

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A stray activation (a late cancellation or poll for a run already released) ends by itself.
        StrayActivation.EndUnlessGivenWork(this, () => _driver is not null);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _driver?.Abandon();
        _metrics.RunEnded(Job);
        return Task.CompletedTask;
    }

    /// <summary>The start reply with what the set-up found: the data's shape, the truth, the seconds it took.</summary>
    private PcaStartReply SetupReply(PcaDriver driver, GrainBackend backend)
    {
        var reply = new PcaStartReply
        {
            Ready = true,
            Dimension = driver.Dimension,
            Rows = driver.Rows,
            HasTruth = driver.Truth is not null,
            LoadSeconds = driver.SetupSeconds.Load,
            TruthSeconds = driver.SetupSeconds.Truth,
            ShardSilos = [.. backend.ShardLocations],
            WorkerSilos = [.. backend.WorkerLocations],
            CoordinatorSilo = _siloName,
        };
        if (driver.Truth is { } truth)
        {
            reply.TrueEigenvalues.AddRange(truth.Eigenvalues);
        }

        return reply;
    }

    /// <summary>The run, or the typed error that says why there is none to use.</summary>
    private PcaDriver Running()
    {
        if (_failure is not null)
        {
            throw new PcaRunFailedException($"PCA run '{Job}' failed: {_failure}");
        }

        if (_driver is null)
        {
            // A runless activation: fresh after its silo was lost, or routed here during a membership change. It must
            // not linger and shadow the run's own activation.
            DeactivateOnIdle();
            throw new PcaRunLostException($"coordinator '{Job}' on silo '{_siloName}' holds no PCA run (never started, or its silo was lost)");
        }

        return _driver;
    }

    private void ReportProgress(int rounds, double error)
    {
        var bytes = _backend!.BytesCommunicated;
        var recoveries = _driver!.Recoveries;
        _metrics.Advanced(Job, rounds, bytes - _bytesReported, recoveries - _recoveriesReported, error);
        (_bytesReported, _recoveriesReported) = (bytes, recoveries);
    }
}
