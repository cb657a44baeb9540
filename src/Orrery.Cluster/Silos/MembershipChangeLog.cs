using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Logs every change of the cluster's membership as this silo sees it, one line per silo and change (event id
/// <see cref="OrreryLogEvents.MembershipChanged"/>): a silo joining, becoming active, leaving or declared dead.
/// </summary>
public sealed partial class MembershipChangeLog(IClusterMembershipService membership, ILocalSiloDetails silo, ILogger<MembershipChangeLog> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(MembershipChangeLog),
            ServiceLifecycleStage.Active,
            _ =>
            {
                _loop = Task.Run(() => WatchAsync(_stopping.Token));
                return Task.CompletedTask;
            },
            async _ =>
            {
                await _stopping.CancelAsync();
                if (_loop is not null)
                {
                    await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
                }
            });

    private async Task WatchAsync(CancellationToken stopping)
    {
        ClusterMembershipSnapshot? previous = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                var changes = previous is null ? snapshot.Members.Values : snapshot.CreateUpdate(previous).Changes;
                foreach (var member in changes.OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    var self = member.SiloAddress.Equals(silo.SiloAddress) ? " (this silo)" : "";
                    LogChanged(member.Name, member.SiloAddress.ToString(), member.Status.ToString(), self, snapshot.Version.Value);
                }

                previous = snapshot;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    [LoggerMessage(EventId = OrreryLogEvents.MembershipChanged, Level = LogLevel.Information, Message = "Membership: silo {Name} at {Address} is {Status}{Self} (version {Version})")]
    private partial void LogChanged(string name, string address, string status, string self, long version);
}
