using Microsoft.Extensions.Hosting;

namespace Orrery.Cluster.Silos;

/// <summary>
/// The lifetime of a host that a command owns (the <c>orrery</c> client's Orleans client, the embedded cluster's silos):
/// it neither listens for SIGINT and SIGTERM nor stops anything on them. The command decides: its cancellation token
/// is cancelled on a signal, it stops its work, tells the cluster (a job's release, which needs the Orleans client still
/// open) and disposes the host. The default console lifetime would start shutting the host down on the same signal,
/// racing the command's own clean-up.
/// </summary>
public sealed class CommandOwnedLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
