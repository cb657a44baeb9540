using Microsoft.Extensions.Logging;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Metrics;

namespace Orrery.Cluster.Membership;

/// <summary>
/// A silo's side of membership: joins the table (superseding older generations of the same
/// address), heartbeats, re-reads the table on every change notification and at least every
/// Membership:RefreshPeriod, probes silos whose heartbeat is stale and declares them Dead by a
/// compare-and-swap write, and stops the silo when it reads itself Dead. When the table loses
/// its rows (a Redis restarted without persistence) the silo writes its row again.
/// </summary>
internal sealed partial class MembershipAgent : IMembershipViewSource, IAsyncDisposable
{
    private const int MaxWriteAttempts = 50;

    private readonly IMembershipTable _table;
    private readonly MembershipOptions _options;
    private readonly ILogger _logger;
    private readonly ClusterMetrics _metrics;
    private readonly Func<SiloEntry, CancellationToken, Task<string?>> _probe;
    private readonly SemaphoreSlim _refreshSignal = new(0, 1);
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private MembershipView _view = MembershipView.Empty;
    private SiloEntry _self;
    private IAsyncDisposable? _subscription;
    private Task? _heartbeatLoop;
    private Task? _refreshLoop;
    private bool _tableUnreachableLogged;
    private bool _leaving;

    // probe: pings a silo directly; returns null when it answered as that generation, else why not.
    public MembershipAgent(
        IMembershipTable table, SiloEntry self, MembershipOptions options, ILogger logger, ClusterMetrics metrics,
        Func<SiloEntry, CancellationToken, Task<string?>> probe)
    {
        _table = table;
        _self = self.Clone();
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _probe = probe;
    }

    public MembershipView Current => Volatile.Read(ref _view);

    /// <summary>This silo's row as last written.</summary>
    public SiloEntry Self => _self;

    /// <summary>Raised (on a pool thread) when a view with a new version is adopted.</summary>
    public event Action<MembershipView>? ViewChanged;

    /// <summary>Raised when the table says this silo is Dead; the silo must stop. The argument is the recorded reason.</summary>
    public event Action<string>? DeclaredDead;

    /// <summary>Called for each silo this agent declares Dead (close its connections).</summary>
    public event Action<SiloEntry>? SiloDeclaredDead;

    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        await EnsureSubscribedAsync().ConfigureAwait(false);
        _self.HeartbeatUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await WriteSelfAsync(SiloStatus.Joining, "", cancellationToken).ConfigureAwait(false);
        await WriteSelfAsync(SiloStatus.Active, "", cancellationToken).ConfigureAwait(false);
        _heartbeatLoop = Task.Run(HeartbeatLoopAsync);
        _refreshLoop = Task.Run(RefreshLoopAsync);
    }

    /// <summary>Marks this silo ShuttingDown: callers stop routing new grains here.</summary>
    public Task BeginLeavingAsync(CancellationToken cancellationToken)
    {
        _leaving = true;
        return WriteSelfAsync(SiloStatus.ShuttingDown, "", cancellationToken);
    }

    /// <summary>Marks this silo Dead ("left") and stops heartbeating. Best effort: the table may be down.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        _leaving = true;
        _stopping.Cancel();
        try
        {
            await WriteSelfAsync(SiloStatus.Dead, $"silo '{_self.Name}' shut down cleanly", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MembershipException or OperationCanceledException)
        {
            LogLeaveFailed(e.Message);
        }
    }

    public async Task RefreshAsync(long version, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Current.Version >= version && version > 0)
        {
            return;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await RefreshNowAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        if (_subscription is not null)
        {
            try
            {
                await _subscription.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is MembershipException or ObjectDisposedException)
            {
            }
        }

        foreach (var loop in new[] { _heartbeatLoop, _refreshLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Subscribes to change notifications if not yet subscribed (the store may have been down at start).</summary>
    private async Task EnsureSubscribedAsync()
    {
        if (_subscription is not null)
        {
            return;
        }

        try
        {
            _subscription = await _table.SubscribeAsync(_ => SignalRefresh(), _stopping.Token).ConfigureAwait(false);
        }
        catch (MembershipException e)
        {
            LogSubscribeFailed(e.Message);
        }
    }

    private void SignalRefresh()
    {
        if (_refreshSignal.CurrentCount == 0)
        {
            try
            {
                _refreshSignal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    private async Task WriteSelfAsync(SiloStatus status, string reason, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var snapshot = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var version = snapshot.Version;

            // An older generation on this address is a previous run of this silo that died
            // without leaving; it can never come back, so say so before joining.
            var stale = snapshot.Silos.FirstOrDefault(s =>
                s.Host == _self.Host && s.Port == _self.Port && s.Generation < _self.Generation && s.Status != SiloStatus.Dead);
            if (stale is not null)
            {
                var dead = stale.Clone();
                dead.Status = SiloStatus.Dead;
                dead.StatusReason = $"superseded by generation {_self.Generation} on the same address";
                // Whether this write won or lost the race, re-read and go on from the new version.
                await _table.TryWriteAsync(dead, version, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var row = _self.Clone();
            row.Status = status;
            row.StatusReason = reason;
            if (await _table.TryWriteAsync(row, version, cancellationToken).ConfigureAwait(false) is not null)
            {
                _self = row;
                await RefreshNowAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            await Task.Delay(Random.Shared.Next(5, 50), cancellationToken).ConfigureAwait(false);
        }

        throw new MembershipException($"could not write silo '{_self.Name}' as {status.StatusText()}: the membership table kept changing under {MaxWriteAttempts} compare-and-swap attempts");
    }

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod);
        while (await WaitAsync(timer).ConfigureAwait(false))
        {
            try
            {
                await _table.HeartbeatAsync(_self, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _stopping.Token).ConfigureAwait(false);
                await DetectFailuresAsync().ConfigureAwait(false);
            }
            catch (MembershipException e)
            {
                LogTableUnreachable(e.Message);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLoopFailed(e, "heartbeat");
            }
        }
    }

    private async Task RefreshLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _refreshSignal.WaitAsync(_options.RefreshPeriod, _stopping.Token).ConfigureAwait(false);
                await EnsureSubscribedAsync().ConfigureAwait(false);
                await RefreshNowAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLoopFailed(e, "refresh");
            }
        }
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RefreshNowAsync(CancellationToken cancellationToken)
    {
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        MembershipSnapshot snapshot;
        try
        {
            try
            {
                snapshot = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MembershipException e)
            {
                // Keep serving on the last view; the loops retry.
                LogTableUnreachable(e.Message);
                return;
            }

            if (_tableUnreachableLogged)
            {
                _tableUnreachableLogged = false;
                LogTableReachable();
            }

            var previous = Current;
            var next = new MembershipView(snapshot);
            Volatile.Write(ref _view, next);
            if (next.Version != previous.Version)
            {
                _metrics.MembershipChanged();
                LogViewChanged(next.Version, next.Active.Count, next.Silos.Count);
                ViewChanged?.Invoke(next);
            }
        }
        finally
        {
            _readLock.Release();
        }

        var mine = snapshot.Silos.FirstOrDefault(s => s.SameSilo(_self));
        if (mine is { Status: SiloStatus.Dead } && !_leaving)
        {
            _stopping.Cancel();
            DeclaredDead?.Invoke(mine.StatusReason);
        }
        else if (mine is null && _self.Status is SiloStatus.Active && !_leaving && !_stopping.IsCancellationRequested)
        {
            // The table lost this row (a store restarted empty): write it again.
            LogRowMissing(snapshot.Version);
            await WriteSelfAsync(SiloStatus.Active, "", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DetectFailuresAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var deathMs = (long)_options.DeathTimeout.TotalMilliseconds;
        foreach (var silo in Current.Silos)
        {
            if (silo.SameSilo(_self) || silo.Status is SiloStatus.Dead or SiloStatus.Unspecified || now - silo.HeartbeatUnixMs <= deathMs)
            {
                continue;
            }

            using var probeLimit = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            probeLimit.CancelAfter(_options.ProbeTimeout);
            string? failure;
            try
            {
                failure = await _probe(silo, probeLimit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                failure = $"no answer to a probe within {_options.ProbeTimeout.TotalSeconds}s";
            }

            if (failure is null)
            {
                continue;
            }

            await DeclareDeadAsync(silo, $"declared dead by '{_self.Name}': heartbeat {(now - silo.HeartbeatUnixMs) / 1000.0:F1}s old, probe failed: {failure}").ConfigureAwait(false);
        }
    }

    private async Task DeclareDeadAsync(SiloEntry suspect, string reason)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var snapshot = await _table.ReadAllAsync(_stopping.Token).ConfigureAwait(false);
            var row = snapshot.Silos.FirstOrDefault(s => s.SameSilo(suspect));
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (row is null || row.Status == SiloStatus.Dead || now - row.HeartbeatUnixMs <= _options.DeathTimeout.TotalMilliseconds)
            {
                return;
            }

            var dead = row.Clone();
            dead.Status = SiloStatus.Dead;
            dead.StatusReason = reason;
            if (await _table.TryWriteAsync(dead, snapshot.Version, _stopping.Token).ConfigureAwait(false) is not null)
            {
                _metrics.DeclaredDead();
                LogDeclaredDead(suspect.Name, suspect.RowKey(), reason);
                SiloDeclaredDead?.Invoke(dead);
                await RefreshNowAsync(_stopping.Token).ConfigureAwait(false);
                return;
            }
        }
    }

    private void LogTableUnreachable(string message)
    {
        if (!_tableUnreachableLogged)
        {
            _tableUnreachableLogged = true;
            LogTableDown(message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Membership table unreachable, serving on the last view: {Error}")]
    private partial void LogTableDown(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership table reachable again")]
    private partial void LogTableReachable();

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership view {Version}: {Active} active of {Total} silos")]
    private partial void LogViewChanged(long version, int active, int total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Declared silo '{Name}' ({Row}) Dead: {Reason}")]
    private partial void LogDeclaredDead(string name, string row, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This silo's row is missing from the membership table (version {Version}); writing it again")]
    private partial void LogRowMissing(long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to membership changes ({Error}); relying on periodic refresh")]
    private partial void LogSubscribeFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record leaving in the membership table: {Error}")]
    private partial void LogLeaveFailed(string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Membership {Loop} loop failed")]
    private partial void LogLoopFailed(Exception error, string loop);
}
