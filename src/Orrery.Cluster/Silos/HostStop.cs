using Microsoft.Extensions.Hosting;

namespace Orrery.Cluster.Silos;

/// <summary>Stops and disposes a host within a deadline, however its stop ends.</summary>
internal static class HostStop
{
    public static async Task QuietlyAsync(IHost host, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
            // A silo that never reached Running (its start failed) refuses to stop; the caller's own error is the one that matters.
        }
        finally
        {
            host.Dispose();
        }
    }
}
