using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Orrery.Cluster.Silos;

/// <summary>The local Orleans silo's own status in Orleans membership, for <c>/readyz</c>.</summary>
public static class OrleansSiloStatus
{
    /// <summary>True when the process's Orleans silo is Active in the membership snapshot it holds.</summary>
    public static bool IsActive(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var membership = services.GetService<IClusterMembershipService>();
        var local = services.GetService<ILocalSiloDetails>();
        return membership is not null && local is not null
            && membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress) == SiloStatus.Active;
    }
}
