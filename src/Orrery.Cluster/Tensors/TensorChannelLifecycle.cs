using Orleans;
using Orleans.Runtime;

namespace Orrery.Cluster.Tensors;

/// <summary>
/// Joins the tensor channel to the silo lifecycle: it serves from RuntimeInitialize, before any grain runs, and stops
/// there on the way down, after the grains have been deactivated (so a deactivating grain can still release tensors).
/// </summary>
internal sealed class TensorChannelLifecycle(TensorChannel channel) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(TensorChannel),
            ServiceLifecycleStage.RuntimeInitialize,
            _ =>
            {
                channel.Start();
                return Task.CompletedTask;
            },
            async _ => await channel.DisposeAsync().ConfigureAwait(false));
}
