namespace Orrery.MetricGraphs.Graphs;

/// <summary>Where an element of a graph was read from, for error messages. Line and column are 1-based; 0 means unknown.</summary>
/// <param name="File">The file name, or null for graphs built in code.</param>
/// <param name="Line">1-based line number, 0 if unknown.</param>
/// <param name="Column">1-based column number, 0 if unknown.</param>
public readonly record struct SourceLocation(string? File, int Line, int Column = 0)
{
    /// <summary>"file:line:column" with the unknown parts left out, or an empty string.</summary>
    public override string ToString()
    {
        var text = File ?? "";
        if (Line > 0)
        {
            text += (text.Length > 0 ? ":" : "line ") + Line;
            if (Column > 0)
            {
                text += ":" + Column;
            }
        }

        return text;
    }
}
