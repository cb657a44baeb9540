namespace Orrery.MetricGraphs.Formats;

/// <summary>The JSON value types.</summary>
internal enum JsonNodeKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}
