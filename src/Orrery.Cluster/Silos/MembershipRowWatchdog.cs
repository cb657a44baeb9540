using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Stops an Active silo whose own row has gone from the Orleans membership table, as when Redis restarts without its
/// data. Orleans 10.4.2's Redis clustering never registers again after that ("The Redis membership table version is
/// missing"), a new client finds no gateway, and a silo started afterwards forms a cluster of its own. Stopping, with
/// a log line that says why and exit code <see cref="ExitCode"/>, lets the supervisor (Kubernetes) restart the silo so
/// it joins the table afresh; every silo notices within <see cref="MissedChecksLimit"/> checks of
/// <see cref="CheckPeriod"/> (10 s with the defaults).
/// </summary>
public sealed partial class MembershipRowWatchdog(
    IMembershipTable table, ILocalSiloDetails silo, IClusterMembershipService membership, IHostApplicationLifetime lifetime, ILogger<MembershipRowWatchdog> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The process exit code after the watchdog stopped the silo.</summary>
    public const int ExitCode = 4;

    /// <summary>Time between reads of the table.</summary>
    public static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive reads without this silo's row before it stops (one read could race a table write).</summary>
    public const int MissedChecksLimit = 2;

    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(MembershipRowWatchdog),
            ServiceLifecycleStage.Active,
            _ =>
            {
                _loop = Task.Run(() => WatchAsync(_stopping.Token));
                return Task.CompletedTask;
            },
            async _ =>
            {
                await _stopping.CancelAsync().ConfigureAwait(false);
                if (_loop is not null)
                {
                    await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            });

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var missed = 0;
        using var timer = new PeriodicTimer(CheckPeriod);
        while (await NextTickAsync(timer, cancellationToken).ConfigureAwait(false))
        {
            // The watchdog runs from the Active stage on. A silo on its way out is Orleans's to stop; one whose own view
            // no longer lists it (None: the view was read from the emptied table) is what the watchdog is for.
            if (membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead)
            {
                return;
            }

            bool present;
            try
            {
                var data = await table.ReadAllAsync(cancellationToken).WaitAsync(CheckPeriod, cancellationToken).ConfigureAwait(false);
                present = data.Members.Any(m => m.Item1.SiloAddress.Equals(silo.SiloAddress));
            }
            catch (Orleans.Clustering.Redis.RedisClusteringException)
            {
                // Orleans 10.4.2 reads a table whose version row is gone (the whole table, after Redis restarted empty)
                // as this error; the other RedisClusteringExceptions belong to row writes, not to ReadAll.
                present = false;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Redis away or slow: that is not a lost row; Orleans keeps serving on its last view meanwhile.
                LogReadFailed(e.GetType().Name, e.Message);
                continue;
            }

            if (present)
            {
                missed = 0;
                continue;
            }

            if (++missed >= MissedChecksLimit)
            {
                LogRowLost(silo.SiloAddress.ToString());
                Environment.ExitCode = ExitCode;
                lifetime.StopApplication();
                return;
            }
        }
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = OrreryLogEvents.MembershipRowLost, Level = LogLevel.Critical,
        Message = "This silo ({Silo}) is Active but its row is gone from the Orleans membership table: Redis lost the table (restarted without its data?). Stopping so the supervisor restarts the silo and it joins afresh; staying would leave it outside the cluster that forms anew.")]
    private partial void LogRowLost(string silo);

    [LoggerMessage(EventId = OrreryLogEvents.MembershipTableReadFailed, Level = LogLevel.Warning, Message = "Reading the Orleans membership table failed ({Error}: {Message}); the watchdog tries again")]
    private partial void LogReadFailed(string error, string message);
}
