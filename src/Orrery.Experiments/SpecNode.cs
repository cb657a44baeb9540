using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Orrery.Experiments;

/// <summary>
/// One node of an experiment spec (YAML, or JSON, which YAML reads too), with where it came from,
/// so every complaint about it can name the file, line, column and field path. Accessors check
/// types and ranges and throw <see cref="ExperimentSpecException"/> on the first problem.
/// </summary>
public sealed class SpecNode
{
    private readonly YamlNode _node;

    internal SpecNode(YamlNode node, string file, string path)
    {
        _node = node;
        File = file;
        Path = path;
    }

    /// <summary>The spec file this node was read from.</summary>
    public string File { get; }

    /// <summary>The field path from the root, such as <c>graph.edges[2].length</c>; empty for the root.</summary>
    public string Path { get; }

    /// <summary>1-based line of the node in its file.</summary>
    public long Line => _node.Start.Line;

    /// <summary>1-based column of the node in its file.</summary>
    public long Column => _node.Start.Column;

    /// <summary>True when this node is a mapping (an object).</summary>
    public bool IsMapping => _node is YamlMappingNode;

    /// <summary>True when this node is a sequence (a list).</summary>
    public bool IsSequence => _node is YamlSequenceNode;

    /// <summary>True when this node is a scalar (a string, number or boolean).</summary>
    public bool IsScalar => _node is YamlScalarNode;

    /// <summary>The scalar text; fails when the node is not a scalar.</summary>
    public string Text => _node is YamlScalarNode { Value: { } value } ? value : throw Fail("must be a single value, not a list or a mapping");

    /// <summary>Names of the fields of a mapping, in file order.</summary>
    public IReadOnlyList<string> Keys => Mapping().Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? "").ToList();

    /// <summary>The items of a sequence; fails when the node is not a list.</summary>
    public IReadOnlyList<SpecNode> Items
    {
        get
        {
            if (_node is not YamlSequenceNode sequence)
            {
                throw Fail("must be a list");
            }

            return sequence.Children.Select((child, i) => new SpecNode(child, File, $"{Path}[{i}]")).ToList();
        }
    }

    /// <summary>An error about this node, located at it.</summary>
    public ExperimentSpecException Fail(string problem) =>
        new($"{File}:{Line}:{Column}: {(Path.Length == 0 ? "spec" : Path)}: {problem}");

    /// <summary>A field of this mapping, or null when absent.</summary>
    public SpecNode? Optional(string name)
    {
        var mapping = Mapping();
        return mapping.Children.TryGetValue(new YamlScalarNode(name), out var child)
            ? new SpecNode(child, File, Path.Length == 0 ? name : $"{Path}.{name}")
            : null;
    }

    /// <summary>A field of this mapping that must be present.</summary>
    public SpecNode Require(string name) =>
        Optional(name) ?? throw Fail($"the field '{name}' is missing");

    /// <summary>Fails, naming the field, when the mapping has a field not in <paramref name="known"/> (catches typos).</summary>
    public void AllowOnly(params string[] known)
    {
        foreach (var (key, _) in Mapping().Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                var at = new SpecNode(key, File, Path.Length == 0 ? name : $"{Path}.{name}");
                throw at.Fail($"unknown field; expected one of: {string.Join(", ", known)}");
            }
        }
    }

    /// <summary>This scalar as a string.</summary>
    public string AsString() => Text;

    /// <summary>This scalar as a finite double within [min, max].</summary>
    public double AsDouble(double min = double.MinValue, double max = double.MaxValue)
    {
        if (!double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Fail($"'{Text}' is not a finite number");
        }

        return value >= min && value <= max ? value : throw Fail($"{Text} is out of range [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
    }

    /// <summary>This scalar as a 64-bit integer within [min, max]; accepts 1e6-style whole numbers.</summary>
    public long AsLong(long min = long.MinValue, long max = long.MaxValue)
    {
        long value;
        if (long.TryParse(Text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
        {
            value = whole;
        }
        else if (double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && real == Math.Floor(real) && Math.Abs(real) < 9e18)
        {
            value = (long)real;
        }
        else
        {
            throw Fail($"'{Text}' is not a whole number");
        }

        return value >= min && value <= max ? value : throw Fail($"{value} is out of range [{min}, {max}]");
    }

    /// <summary>This scalar as a 32-bit integer within [min, max].</summary>
    public int AsInt(int min = int.MinValue, int max = int.MaxValue) => (int)AsLong(min, max);

    /// <summary>This scalar as a boolean (true/false, yes/no).</summary>
    public bool AsBool() => Text.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => throw Fail($"'{Text}' is not true or false"),
    };

    /// <summary>This scalar as one of the given words (case-insensitive); returns the word as listed.</summary>
    public string AsChoice(params string[] choices) =>
        choices.FirstOrDefault(c => string.Equals(c, Text, StringComparison.OrdinalIgnoreCase))
        ?? throw Fail($"'{Text}' is not one of: {string.Join(", ", choices)}");

    /// <summary>A path field resolved against the spec file's folder.</summary>
    public string AsPath()
    {
        var text = Text;
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(File)) ?? ".";
        return System.IO.Path.GetFullPath(System.IO.Path.IsPathRooted(text) ? text : System.IO.Path.Combine(folder, text));
    }

    private YamlMappingNode Mapping() => _node as YamlMappingNode ?? throw Fail("must be a mapping of fields");
}
