using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Orrery.Cluster.Placement;

/// <summary>
/// Places grains by what silos offer, read from silo metadata (<see cref="SiloCapabilityMetadata"/>): GPU grains only on
/// silos with GPUs, with probability proportional to their GPU count; core-weighted grains anywhere, proportional to
/// CPU cores. Orleans 10.4.2's built-in metadata filters compare a silo's value with the calling silo's, so they cannot
/// say "only silos with a GPU"; this director can. A placement hint (<see cref="PlacementHint"/>) naming a compatible
/// silo wins, so coordinators can put workers where they choose. Orleans calls it again for a grain whose silo died,
/// among the silos that are left.
/// </summary>
public sealed class ComputePlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(context);
        var gpu = strategy is GpuPlacementStrategy;
        var compatible = context.GetCompatibleSilos(target);
        Span<double> weights = compatible.Length <= 64 ? stackalloc double[compatible.Length] : new double[compatible.Length];
        var total = 0.0;
        for (var i = 0; i < compatible.Length; i++)
        {
            var offered = metadata.GetSiloMetadata(compatible[i]);
            weights[i] = gpu ? SiloCapabilityMetadata.GpuCount(offered) : Math.Max(1, SiloCapabilityMetadata.CpuCores(offered));
            total += weights[i];
        }

        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, compatible) is { } hinted
            && weights[Array.IndexOf(compatible, hinted)] > 0)
        {
            return Task.FromResult(hinted);
        }

        if (total <= 0)
        {
            throw new NoCompatibleSiloException(
                $"{target.GrainIdentity} needs a silo with a GPU, and none of the {compatible.Length} live silos that host its type offers one " +
                "(a silo offers its GPUs when Silo:Device is auto or cuda:N and the CUDA driver finds them)");
        }

        var pick = Random.Shared.NextDouble() * total;
        for (var i = 0; i < compatible.Length; i++)
        {
            pick -= weights[i];
            if (pick < 0 && weights[i] > 0)
            {
                return Task.FromResult(compatible[i]);
            }
        }

        // Rounding left pick at or just above 0: the last silo with weight.
        for (var i = compatible.Length - 1; ; i--)
        {
            if (weights[i] > 0)
            {
                return Task.FromResult(compatible[i]);
            }
        }
    }
}
