using Orleans;
using Orleans.Runtime;
using Orrery.Contracts.Cluster;

namespace Orrery.Cluster.Silos;

/// <summary>What a client does before it restarts work whose coordinator's silo was lost.</summary>
public static class LostSilo
{
    /// <summary>How long <see cref="WaitUntilGoneAsync"/> waits at most by default.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Waits until the cluster no longer lists silo <paramref name="name"/> as active (membership has declared it dead or
    /// it left), so that a restarted coordinator and its workers are not placed on it; at most <paramref name="patience"/>
    /// (default <see cref="DefaultPatience"/>), after which the caller goes ahead (the silo may have come back).
    /// Calls that fail on the way (the gateway may be the lost silo) are retried. Answers true when the silo is gone,
    /// false when it was still active at the end of <paramref name="patience"/> (a zero patience asks once).
    /// </summary>
    public static async Task<bool> WaitUntilGoneAsync(IGrainFactory grains, string name, TimeSpan? patience = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var deadline = DateTime.UtcNow + (patience ?? DefaultPatience);
        while (true)
        {
            try
            {
                var active = await grains.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                if (active.All(s => s.Name != name))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The gateway itself may be the lost silo: the client moves to another.
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// True when a member of the cluster answers that silo <paramref name="name"/> is not active (declared dead or
    /// left); false when it is still listed or no member answered within 10 s (not known to be gone).
    /// </summary>
    public static async Task<bool> IsGoneAsync(IGrainFactory grains, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        try
        {
            var active = await grains.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return active.All(s => s.Name != name);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            return false;
        }
    }
}
