namespace Orrery.MetricGraphs.Graphs;

/// <summary>
/// A graph description (a file, or a graph built in code) that cannot be used: the message names
/// the file, the line and column or field where known, and the problem, in the form
/// <c>star.json:12:7: edges[2] "e3": length is -1; it must be greater than 0</c>.
/// </summary>
public sealed class MetricGraphFormatException : Exception
{
    /// <summary>Creates the exception for a problem at <paramref name="location"/>.</summary>
    public MetricGraphFormatException(SourceLocation location, string problem, Exception? inner = null)
        : base(Format(location, problem), inner)
    {
        Location = location;
        Problem = problem;
    }

    /// <summary>Creates the exception for a problem with no known location.</summary>
    public MetricGraphFormatException(string problem)
        : this(default, problem)
    {
    }

    /// <summary>Where the problem is (file, line, column); parts are null or 0 where unknown.</summary>
    public SourceLocation Location { get; }

    /// <summary>The problem alone, without the location.</summary>
    public string Problem { get; }

    private static string Format(SourceLocation location, string problem)
    {
        var where = location.ToString();
        return where.Length == 0 ? problem : where + ": " + problem;
    }
}
