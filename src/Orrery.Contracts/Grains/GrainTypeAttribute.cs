namespace Orrery.Contracts.Grains;

/// <summary>
/// Names a grain interface on the wire. Without it the interface's full name is used.
/// Renaming a C# interface then does not break silos running the previous build.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    /// <summary>The wire name of the grain type, for example <c>diag.echo</c>.</summary>
    public string Name { get; } = name;
}
