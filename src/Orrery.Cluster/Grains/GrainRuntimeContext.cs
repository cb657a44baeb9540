using Orrery.Cluster.Membership;

namespace Orrery.Cluster.Grains;

/// <summary>What an activation knows about where it runs.</summary>
internal sealed class GrainRuntimeContext(
    GrainId id, IGrainFactory factory, string siloName, long siloGeneration, Func<MembershipView> view, Action requestDeactivation)
{
    public GrainId Id { get; } = id;

    public IGrainFactory Factory { get; } = factory;

    public string SiloName { get; } = siloName;

    public long SiloGeneration { get; } = siloGeneration;

    public MembershipView View => view();

    public void RequestDeactivation() => requestDeactivation();
}
