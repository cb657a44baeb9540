namespace Orrery.Cluster.Grains;

/// <summary>Identity of a grain: its wire type name and a key such as <c>job-7/part-3</c>.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";
}
