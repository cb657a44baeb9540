using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Membership;

/// <summary>
/// An immutable snapshot of the membership table as one member sees it, with the placement
/// candidate lists computed once per snapshot rather than once per call.
/// </summary>
public sealed class MembershipView
{
    /// <summary>The view before anything was read: version 0, no silos.</summary>
    public static readonly MembershipView Empty = new(new MembershipSnapshot());

    public MembershipView(MembershipSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Snapshot = snapshot;
        Version = snapshot.Version;
        Silos = [.. snapshot.Silos];
        Active = [.. Silos.Where(s => s.Status == SiloStatus.Active).OrderBy(s => s.Endpoint(), StringComparer.Ordinal)];
        GpuActive = [.. Active.Where(s => s.Capabilities?.Gpus.Count > 0)];
    }

    public MembershipSnapshot Snapshot { get; }

    public long Version { get; }

    /// <summary>Every row, dead ones included.</summary>
    public IReadOnlyList<SiloEntry> Silos { get; }

    /// <summary>Active silos ordered by endpoint.</summary>
    public IReadOnlyList<SiloEntry> Active { get; }

    /// <summary>Active silos with at least one GPU.</summary>
    public IReadOnlyList<SiloEntry> GpuActive { get; }

    /// <summary>The silos that may host a grain with the given requirement.</summary>
    public IReadOnlyList<SiloEntry> Candidates(PlacementRequirement requirement) =>
        requirement == PlacementRequirement.Gpu ? GpuActive : Active;

    /// <summary>The Active silo of that name, if any.</summary>
    public SiloEntry? ActiveByName(string name)
    {
        foreach (var silo in Active)
        {
            if (silo.Name == name)
            {
                return silo;
            }
        }

        return null;
    }

    /// <summary>The row of a silo process (host, port, generation), if present.</summary>
    public SiloEntry? Find(SiloEntry silo) => Silos.FirstOrDefault(s => s.SameSilo(silo));
}
