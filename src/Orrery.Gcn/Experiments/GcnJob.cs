using Orleans;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Gcn;

namespace Orrery.Gcn.Experiments;

/// <summary>Starting a GCN run from a client: the start, then set-up slices until every part is ready.</summary>
public static class GcnJob
{
    /// <summary>
    /// How long calls to a coordinator whose silo stays active may go on failing (timing out, being rejected) before the
    /// run is given up with a <see cref="TimeoutException"/>: 2 minutes, several times Orleans's 30 s response timeout.
    /// </summary>
    public static readonly TimeSpan UnansweredPatience = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Starts <paramref name="request"/> on <paramref name="coordinator"/> and asks for set-up slices of
    /// <paramref name="sliceSeconds"/> until the run is ready; <paramref name="phase"/> hears what each slice was doing.
    /// With <paramref name="grains"/>, a slice that times out or is rejected while the coordinator's silo is active is
    /// asked again (<see cref="Patient"/>).
    /// </summary>
    public static async Task<GcnStartReply> StartAsync(IGcnCoordinatorGrain coordinator, GcnTrainRequest request, CancellationToken cancellationToken,
        double sliceSeconds = 1, Action<string>? phase = null, IGrainFactory? grains = null, Action<string>? say = null)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        var reply = await coordinator.StartAsync(request, cancellationToken);
        var patient = grains is null ? null : Patient(grains, coordinator.GetPrimaryKeyString(), reply.CoordinatorSilo, say, cancellationToken);
        while (!reply.Ready)
        {
            cancellationToken.ThrowIfCancellationRequested();
            phase?.Invoke(reply.Phase);
            var slice = patient is null
                ? await coordinator.SetUpAsync(sliceSeconds, cancellationToken)
                : await patient.CallAsync(() => coordinator.SetUpAsync(sliceSeconds, cancellationToken));
            reply = slice ?? reply;
        }

        return reply;
    }

    /// <summary>
    /// Calls to the coordinator <paramref name="key"/> on silo <paramref name="silo"/> that tell a slow coordinator from a
    /// lost one: lost is <see cref="GcnRunLostException"/> (the run starts again), slow is asked again (null), for at most
    /// <see cref="UnansweredPatience"/>.
    /// </summary>
    public static PatientCalls Patient(IGrainFactory grains, string key, string silo, Action<string>? say, CancellationToken cancellationToken) => new(
        grains, silo, UnansweredPatience,
        e => new GcnRunLostException($"GCN run '{key}': the coordinator's silo '{silo}' is no longer active ({e.GetType().Name}: {e.Message})", e),
        (e, waited) => new TimeoutException(
            $"GCN run '{key}': the coordinator on silo '{silo}' has not answered for {waited.TotalSeconds:F0} s ({e.GetType().Name}: {e.Message}) though its silo is active", e),
        e => say?.Invoke($"gcn: a call to the coordinator of run {key} failed ({e.GetType().Name}); its silo '{silo}' is active, so asking again"),
        cancellationToken);
}
