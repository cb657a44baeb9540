namespace Orrery.Contracts.Grains;

/// <summary>States the placement requirement of a grain interface. Default: <see cref="PlacementRequirement.Any"/>.</summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class PlacementAttribute(PlacementRequirement requirement) : Attribute
{
    /// <summary>The requirement a hosting silo must satisfy.</summary>
    public PlacementRequirement Requirement { get; } = requirement;
}
