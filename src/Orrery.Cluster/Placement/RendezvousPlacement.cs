using System.Text;
using Orrery.Cluster.Grains;
using Orrery.Cluster.Membership;
using Orrery.Contracts.Grains;

namespace Orrery.Cluster.Placement;

/// <summary>
/// Decides which silo owns a grain, with no directory to look up: weighted rendezvous
/// (highest-random-weight) hashing over the Active silos that satisfy the grain type's
/// requirement. Each silo s scores <c>w_s / -ln(u)</c> with u uniform in (0,1) from a hash of
/// (grain, s); the highest score wins. A silo then owns a share w_s / Σw of the keys, and when a
/// silo joins or leaves only the keys it wins or held move. Weights: CPU cores for
/// <see cref="PlacementRequirement.Any"/>, GPU count for <see cref="PlacementRequirement.Gpu"/>.
/// </summary>
public static class RendezvousPlacement
{
    /// <summary>The owning silo, or null when no Active silo qualifies (or the pinned silo is not Active).</summary>
    public static SiloEntry? SelectOwner(GrainReference target, MembershipView view) =>
        target.PinnedSilo.Length > 0
            ? view.ActiveByName(target.PinnedSilo)
            : SelectOwner(target.Id, target.Interface.Requirement, view.Candidates(target.Interface.Requirement));

    /// <summary>The owner among <paramref name="candidates"/>; null when there are none.</summary>
    public static SiloEntry? SelectOwner(GrainId id, PlacementRequirement requirement, IReadOnlyList<SiloEntry> candidates)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        var keyHash = Hash(id.Type, id.Key);
        SiloEntry? best = null;
        var bestScore = double.NegativeInfinity;
        foreach (var silo in candidates)
        {
            var weight = Weight(silo, requirement);
            var u = ((Mix(keyHash ^ SiloHash(silo)) >> 11) + 0.5) / (1UL << 53);
            var score = weight / -Math.Log(u);
            if (score > bestScore)
            {
                bestScore = score;
                best = silo;
            }
        }

        return best;
    }

    /// <summary>Capacity weight of a silo for a requirement (at least 1).</summary>
    public static double Weight(SiloEntry silo, PlacementRequirement requirement)
    {
        var capabilities = silo.Capabilities;
        var weight = requirement == PlacementRequirement.Gpu ? capabilities?.Gpus.Count ?? 0 : capabilities?.CpuCores ?? 0;
        return Math.Max(1, weight);
    }

    // Hashes are computed here rather than with HashCode, which is randomised per process:
    // every member of the cluster must reach the same answer.
    private static ulong SiloHash(SiloEntry silo) => Hash(silo.Host, silo.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static ulong Hash(string first, string second)
    {
        // FNV-1a over UTF-8 bytes, then a SplitMix64 finaliser for avalanche.
        var hash = 14695981039346656037UL;
        hash = Fnv(hash, first);
        hash = (hash ^ 0x2F) * 1099511628211UL;
        hash = Fnv(hash, second);
        return Mix(hash);
    }

    private static ulong Fnv(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
