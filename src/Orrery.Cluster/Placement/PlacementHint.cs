using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Orrery.Cluster.Placement;

/// <summary>
/// Asks for grains first activated by calls made in a scope to be placed on a chosen silo, through Orleans's
/// request-context placement hint. It only decides where a new activation goes; a grain already active elsewhere
/// stays there. A hint naming a silo that cannot take the grain (not live, or no GPU for a GPU grain) is ignored.
/// </summary>
public static class PlacementHint
{
    /// <summary>Sets the hint to <paramref name="silo"/> until the returned scope is disposed.</summary>
    public static IDisposable On(SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var previous = RequestContext.Get(IPlacementDirector.PlacementHintKey);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        return new Scope(previous);
    }

    private sealed class Scope(object? previous) : IDisposable
    {
        public void Dispose()
        {
            if (previous is null)
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
            else
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, previous);
            }
        }
    }
}
