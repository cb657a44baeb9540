using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Silos;

/// <summary>
/// Ends an activation that no caller gave work. Orleans delivers the cancellation of a grain call (a
/// <see cref="CancellationToken"/> parameter) as a call of its own, queued and batched per target silo; when it
/// arrives after the target's activation has gone (its coordinator released it as soon as its own call returned
/// cancelled), Orleans activates the grain again just to deliver it. A late poll or a call to a worker whose silo was
/// lost does the same. Such an activation holds nothing, no coordinator knows of it, and it would stay until idle
/// collection (minutes), counted in the silo's activations and holding a placement slot. A workload grain calls
/// <see cref="EndUnlessGivenWork"/> in <c>OnActivateAsync</c>: if after <see cref="Patience"/> it has still not been
/// given work, it deactivates.
/// </summary>
public static class StrayActivation
{
    /// <summary>
    /// How long a fresh activation waits for its work: 5 s. A grain that is meant to work is activated by the call that
    /// gives it the work, so this is only ever reached by a stray activation.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Deactivates <paramref name="grain"/> after <see cref="Patience"/> unless <paramref name="givenWork"/> says
    /// it was given work by then (a start or set-up call began). The timer fires once, on the activation's turn, and
    /// does not keep the activation alive.
    /// </summary>
    public static void EndUnlessGivenWork(IGrainBase grain, Func<bool> givenWork)
    {
        ArgumentNullException.ThrowIfNull(grain);
        ArgumentNullException.ThrowIfNull(givenWork);
        grain.RegisterGrainTimer(
            static state =>
            {
                if (!state.givenWork())
                {
                    state.grain.DeactivateOnIdle();
                }

                return Task.CompletedTask;
            },
            (grain, givenWork),
            new GrainTimerCreationOptions(Patience, Timeout.InfiniteTimeSpan) { KeepAlive = false });
    }
}
