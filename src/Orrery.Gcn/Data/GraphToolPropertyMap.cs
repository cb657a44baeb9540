namespace Orrery.Gcn.Data;

/// <summary>
/// One property map of a <c>.gt</c> file. Values are kept only for the maps the reader was asked to keep, and only for
/// the types .NET holds without loss: <see cref="Integers"/> for bool and the integer types, <see cref="Reals"/> for
/// double, <see cref="Strings"/> for string (UTF-8, invalid bytes replaced). Long doubles, vectors and Python objects
/// are parsed past (their lengths checked), never kept.
/// </summary>
/// <param name="Kind">Graph, vertex or edge map.</param>
/// <param name="Name">The map's name.</param>
/// <param name="ValueType">The value type.</param>
/// <param name="Offset">Byte offset of the map's first value (in the decompressed data of a <c>.gt.gz</c>).</param>
public sealed record GraphToolPropertyMap(GraphToolPropertyKind Kind, string Name, GraphToolValueType ValueType, long Offset)
{
    /// <summary>Values of a kept bool (0 or 1), int16, int32 or int64 map; null otherwise.</summary>
    public long[]? Integers { get; init; }

    /// <summary>Values of a kept double map; null otherwise.</summary>
    public double[]? Reals { get; init; }

    /// <summary>Values of a kept string map; null otherwise.</summary>
    public string[]? Strings { get; init; }

    /// <summary>True when the value type is a scalar or a string, the types whose values can be kept.</summary>
    public bool IsKeepable => ValueType is <= GraphToolValueType.Double or GraphToolValueType.String;

    /// <summary>The type as graph-tool names it (<c>int32_t</c>, <c>vector&lt;double&gt;</c>, ...).</summary>
    public string TypeName => GraphToolFile.TypeName(ValueType);
}
