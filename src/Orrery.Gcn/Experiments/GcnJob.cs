using Orrery.Contracts.Gcn;

namespace Orrery.Gcn.Experiments;

/// <summary>Starting a GCN run from a client: the start, then set-up slices until every part is ready.</summary>
public static class GcnJob
{
    /// <summary>
    /// Starts <paramref name="request"/> on <paramref name="coordinator"/> and asks for set-up slices of
    /// <paramref name="sliceSeconds"/> until the run is ready; <paramref name="phase"/> hears what each slice was doing.
    /// </summary>
    public static async Task<GcnStartReply> StartAsync(IGcnCoordinatorGrain coordinator, GcnTrainRequest request, CancellationToken cancellationToken,
        double sliceSeconds = 1, Action<string>? phase = null)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        var reply = await coordinator.StartAsync(request, cancellationToken);
        while (!reply.Ready)
        {
            cancellationToken.ThrowIfCancellationRequested();
            phase?.Invoke(reply.Phase);
            reply = await coordinator.SetUpAsync(sliceSeconds, cancellationToken);
        }

        return reply;
    }
}
