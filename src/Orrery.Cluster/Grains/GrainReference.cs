namespace Orrery.Cluster.Grains;

/// <summary>What a typed reference points at: the grain, its interface, and an optional pinned silo.</summary>
public sealed record GrainReference(GrainId Id, GrainInterface Interface, string PinnedSilo)
{
    /// <inheritdoc />
    public override string ToString() => PinnedSilo.Length == 0 ? Id.ToString() : $"{Id}@{PinnedSilo}";
}
