using System.Globalization;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Formats;

/// <summary>
/// Edge-list CSV: a header row naming the columns, then one edge per row; comma-separated, no quoting,
/// blank lines and lines starting with '#' ignored. Required columns: tail, head, length, sigma. Optional:
/// id (default e{row}), weight (w_e, default 1: b_{v,e} proportional to it), drift (none, constant,
/// linear or potential; default none, or linear when drift_slope is given), drift_offset (the constant
/// velocity, or the linear drift's offset), drift_slope, potential (the points "x:V;x:V;..."). Vertices
/// are the names in tail and head; they are junctions unless <see cref="EdgeListOptions"/> says otherwise.
/// </summary>
public static class EdgeListCsv
{
    private static readonly string[] KnownColumns = ["id", "tail", "head", "length", "sigma", "weight", "drift", "drift_offset", "drift_slope", "potential"];

    /// <summary>Reads a graph from an edge-list CSV file.</summary>
    /// <exception cref="MetricGraphFormatException">The file is not a valid graph.</exception>
    public static MetricGraph Load(string path, EdgeListOptions? options = null) => Parse(File.ReadAllText(path), Path.GetFileName(path), options);

    /// <summary>Reads a graph from edge-list CSV text; <paramref name="fileName"/> is named in errors.</summary>
    public static MetricGraph Parse(string text, string? fileName = null, EdgeListOptions? options = null)
    {
        options ??= new EdgeListOptions();
        var lines = text.Split('\n');
        Dictionary<string, int>? columns = null;
        var builder = new MetricGraphBuilder(fileName);
        var vertices = new List<string>(); // in order of first appearance
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r');
            var lineNumber = n + 1;
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(',');
            if (line.Contains('"'))
            {
                throw new MetricGraphFormatException(new SourceLocation(fileName, lineNumber, line.IndexOf('"') + 1), "quoted fields are not supported; names may not contain commas or quotes");
            }

            if (columns is null)
            {
                columns = ReadHeader(fields, fileName, lineNumber);
                continue;
            }

            var (tail, head) = AddEdge(builder, fields, columns, fileName, lineNumber);
            foreach (var name in (ReadOnlySpan<string>)[tail, head])
            {
                if (seen.Add(name))
                {
                    vertices.Add(name);
                }
            }
        }

        if (columns is null)
        {
            throw new MetricGraphFormatException(new SourceLocation(fileName, 0), "the file is empty: expected a header row (tail,head,length,sigma,...) and one row per edge");
        }

        AddVertices(builder, vertices, seen, options, fileName);
        return builder.Build();
    }

    /// <summary>Reads one edge row into <paramref name="builder"/> and returns the vertices it names.</summary>
    private static (string Tail, string Head) AddEdge(MetricGraphBuilder builder, string[] fields, Dictionary<string, int> columns, string? fileName, int lineNumber)
    {
        var columnStarts = FieldStarts(fields);
        if (fields.Length != columns.Count)
        {
            throw new MetricGraphFormatException(new SourceLocation(fileName, lineNumber),
                $"this row has {fields.Length} fields, the header {columns.Count}");
        }

        var row = new Row(fields, columns, columnStarts, fileName, lineNumber);
        var id = row.Text("id") ?? "e" + builder.EdgeCount.ToString(CultureInfo.InvariantCulture);
        var tail = row.Text("tail") ?? throw row.Missing("tail");
        var head = row.Text("head") ?? throw row.Missing("head");
        var length = row.Number("length") ?? throw row.Missing("length");
        if (!(length > 0))
        {
            throw row.Error("length", $"length is {row.Raw("length")}; it must be greater than 0");
        }

        var sigma = row.Number("sigma") ?? throw row.Missing("sigma");
        if (!(sigma > 0))
        {
            throw row.Error("sigma", $"sigma is {row.Raw("sigma")}; it must be greater than 0");
        }

        var weight = row.Number("weight") ?? 1;
        builder.AddEdge(id, tail, head, length, sigma, ReadDrift(row), weight, new SourceLocation(fileName, lineNumber));
        return (tail, head);
    }

    /// <summary>
    /// Adds the vertices the edges named, each a junction unless <paramref name="options"/> makes it absorbing or a
    /// source; a vertex the options name that no edge touches is refused.
    /// </summary>
    private static void AddVertices(MetricGraphBuilder builder, List<string> vertices, HashSet<string> seen, EdgeListOptions options, string? fileName)
    {
        foreach (var (list, what) in new[] { (options.AbsorbingVertices, "AbsorbingVertices"), (options.SourceVertices, "SourceVertices") })
        {
            foreach (var name in list.Where(name => !seen.Contains(name)))
            {
                throw new MetricGraphFormatException(new SourceLocation(fileName, 0),
                    $"EdgeListOptions.{what} names vertex \"{name}\", which no edge in the file touches (unknown vertex)");
            }
        }

        foreach (var name in vertices)
        {
            var kind = options.AbsorbingVertices.Contains(name) ? VertexKind.Absorbing
                : options.SourceVertices.Contains(name) ? VertexKind.Source
                : VertexKind.Junction;
            builder.AddVertex(name, kind, location: new SourceLocation(fileName, 0));
        }
    }

    private static Dictionary<string, int> ReadHeader(string[] fields, string? fileName, int lineNumber)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        var starts = FieldStarts(fields);
        for (var i = 0; i < fields.Length; i++)
        {
            var name = fields[i].Trim().ToLowerInvariant();
            var location = new SourceLocation(fileName, lineNumber, starts[i]);
            if (Array.IndexOf(KnownColumns, name) < 0)
            {
                throw new MetricGraphFormatException(location, $"unknown column \"{fields[i].Trim()}\"; the columns are {string.Join(", ", KnownColumns)}");
            }

            if (!columns.TryAdd(name, i))
            {
                throw new MetricGraphFormatException(location, $"column \"{name}\" appears twice in the header");
            }
        }

        foreach (var required in (ReadOnlySpan<string>)["tail", "head", "length", "sigma"])
        {
            if (!columns.ContainsKey(required))
            {
                throw new MetricGraphFormatException(new SourceLocation(fileName, lineNumber), $"the header has no \"{required}\" column; tail, head, length and sigma are required");
            }
        }

        return columns;
    }

    private static EdgeDrift ReadDrift(Row row)
    {
        var kind = row.Text("drift")?.ToLowerInvariant();
        var offset = row.Number("drift_offset");
        var slope = row.Number("drift_slope");
        var potential = row.Text("potential");
        kind ??= potential is not null ? "potential" : slope is not null ? "linear" : offset is not null ? "constant" : "none";
        switch (kind)
        {
            case "none":
                return EdgeDrift.None;
            case "constant":
                return EdgeDrift.Constant(offset ?? throw row.Error("drift_offset", "a constant drift needs drift_offset (the velocity)"));
            case "linear":
                return EdgeDrift.Linear(slope ?? throw row.Error("drift_slope", "a linear drift needs drift_slope"), offset ?? 0);
            case "potential":
                if (potential is null)
                {
                    throw row.Error("potential", "a potential drift needs the potential column: points \"x:V;x:V;...\"");
                }

                var points = new List<PotentialPoint>();
                foreach (var pair in potential.Split(';'))
                {
                    var parts = pair.Split(':');
                    if (parts.Length != 2 || !TryNumber(parts[0], out var x) || !TryNumber(parts[1], out var v))
                    {
                        throw row.Error("potential", $"\"{pair}\" is not a point x:V (the column holds \"x:V;x:V;...\")");
                    }

                    points.Add(new PotentialPoint(x, v));
                }

                return EdgeDrift.PiecewiseLinearPotential(points);
            default:
                throw row.Error("drift", $"unknown drift \"{row.Raw("drift")}\"; use none, constant, linear or potential");
        }
    }

    private static int[] FieldStarts(string[] fields)
    {
        var starts = new int[fields.Length];
        var position = 1;
        for (var i = 0; i < fields.Length; i++)
        {
            starts[i] = position;
            position += fields[i].Length + 1;
        }

        return starts;
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private readonly struct Row(string[] fields, Dictionary<string, int> columns, int[] starts, string? fileName, int line)
    {
        public string? Raw(string column) => columns.TryGetValue(column, out var i) ? fields[i].Trim() : null;

        public string? Text(string column) => Raw(column) is { Length: > 0 } text ? text : null;

        public double? Number(string column)
        {
            var text = Text(column);
            if (text is null)
            {
                return null;
            }

            return TryNumber(text, out var value) ? value : throw Error(column, $"\"{text}\" in column {column} is not a number");
        }

        public MetricGraphFormatException Error(string column, string problem) =>
            new(new SourceLocation(fileName, line, columns.TryGetValue(column, out var i) ? starts[i] : 0), problem);

        public MetricGraphFormatException Missing(string column) => Error(column, $"the {column} field is empty");
    }
}
