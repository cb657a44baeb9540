using System.Globalization;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Formats;

/// <summary>
/// A parsed JSON value that remembers where it was in the file, so the graph loader can name the line and
/// column of a value that is wrong (System.Text.Json's DOM keeps no positions).
/// </summary>
internal sealed class JsonNode
{
    private JsonNode(JsonNodeKind kind, SourceLocation location, string path)
    {
        Kind = kind;
        Location = location;
        Path = path;
    }

    public JsonNodeKind Kind { get; }

    public SourceLocation Location { get; }

    /// <summary>The value's path from the root, such as <c>edges[3].length</c>.</summary>
    public string Path { get; }

    /// <summary>A string's value, or a number's text as written.</summary>
    public string Text { get; private init; } = "";

    public IReadOnlyList<(string Key, SourceLocation KeyLocation, JsonNode Value)> Members { get; private init; } = [];

    public IReadOnlyList<JsonNode> Items { get; private init; } = [];

    public static JsonNode Scalar(JsonNodeKind kind, SourceLocation location, string path, string text) => new(kind, location, path) { Text = text };

    public static JsonNode Object(SourceLocation location, string path, IReadOnlyList<(string, SourceLocation, JsonNode)> members) => new(JsonNodeKind.Object, location, path) { Members = members };

    public static JsonNode Array(SourceLocation location, string path, IReadOnlyList<JsonNode> items) => new(JsonNodeKind.Array, location, path) { Items = items };

    public string Describe() => Kind switch
    {
        JsonNodeKind.Object => "an object",
        JsonNodeKind.Array => "an array",
        JsonNodeKind.String => $"the string \"{Text}\"",
        JsonNodeKind.Number => $"the number {Text}",
        JsonNodeKind.True => "true",
        JsonNodeKind.False => "false",
        _ => "null",
    };

    public MetricGraphFormatException Error(string problem) => new(Location, $"{Path}: {problem}");

    public JsonNode? Member(string key)
    {
        foreach (var (k, _, v) in Members)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }

    public JsonNode Required(string key) =>
        Member(key) ?? throw new MetricGraphFormatException(Location, $"{Path}: the required field \"{key}\" is missing");

    public void RequireKind(JsonNodeKind kind, string expected)
    {
        if (Kind != kind)
        {
            throw Error($"expected {expected}, found {Describe()}");
        }
    }

    /// <summary>Refuses members not in <paramref name="allowed"/> (typos would otherwise be silently ignored).</summary>
    public void AllowOnly(params string[] allowed)
    {
        foreach (var (key, keyLocation, _) in Members)
        {
            if (System.Array.IndexOf(allowed, key) < 0)
            {
                throw new MetricGraphFormatException(keyLocation,
                    $"{Path}: unknown field \"{key}\"; the fields here are {string.Join(", ", allowed.Select(a => "\"" + a + "\""))}");
            }
        }
    }

    public string AsString()
    {
        RequireKind(JsonNodeKind.String, "a string");
        return Text;
    }

    public double AsNumber()
    {
        RequireKind(JsonNodeKind.Number, "a number");
        if (!double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Error($"the number {Text} is out of range");
        }

        return value;
    }
}
