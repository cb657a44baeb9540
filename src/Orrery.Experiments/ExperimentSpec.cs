using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orrery.Experiments;

/// <summary>Reads experiment spec files: YAML, or JSON (read by the same parser, as YAML 1.2 allows).</summary>
public static class ExperimentSpec
{
    /// <summary>Reads <paramref name="file"/> and returns its root mapping; errors name the file and line.</summary>
    public static SpecNode Load(string file)
    {
        string text;
        try
        {
            text = System.IO.File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExperimentSpecException($"{file}: cannot read the spec: {e.Message}");
        }

        return Parse(text, file);
    }

    /// <summary>Parses spec text; <paramref name="file"/> names it in errors and anchors relative paths.</summary>
    public static SpecNode Parse(string text, string file)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new ExperimentSpecException($"{file}:{e.Start.Line}:{e.Start.Column}: not valid YAML or JSON: {OneLine(e.InnerException?.Message ?? e.Message)}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16.3 throws this, without a location, for some unclosed flow collections ("[1, 2" followed
            // by more lines): name the last event the parser read instead.
            var at = parser.Current?.Start;
            throw new ExperimentSpecException(
                $"{file}:{at?.Line ?? 1}:{at?.Column ?? 1}: not valid YAML or JSON: a flow sequence or mapping ('[' or '{{') is not closed before this point");
        }

        if (stream.Documents.Count != 1)
        {
            throw new ExperimentSpecException($"{file}: a spec holds exactly one document; found {stream.Documents.Count}");
        }

        var root = new SpecNode(stream.Documents[0].RootNode, file, "");
        if (!root.IsMapping)
        {
            throw root.Fail("the spec must be a mapping with a 'kind' field");
        }

        return root;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The spec's <c>kind</c> field (which experiment it describes).</summary>
    public static string KindOf(SpecNode root) => root.Require("kind").AsString();
}
