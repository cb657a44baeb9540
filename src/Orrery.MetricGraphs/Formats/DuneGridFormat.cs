using System.Globalization;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Formats;

/// <summary>
/// Network grids in the DUNE grid format (.dgf) as DuMuX uses them for vessel and root networks. What is read:
/// <list type="bullet">
/// <item>the first non-comment line must be "DGF"; keywords are case-insensitive; "%" starts a comment, and so
/// does "#" after data on a line (as in files that write "# node 12" after the numbers); a line that starts
/// with "#" ends the block;</item>
/// <item>VERTEX: optional "firstindex N" and "parameters N" lines, then one vertex per line: 1 to 3
/// coordinates (the same count on every line) followed by N parameters, which are ignored;</item>
/// <item>SIMPLEX: optional "parameters N", then one segment per line: two vertex indices followed by N
/// parameters; parameter <see cref="DgfOptions.RadiusParameter"/> is the radius r &gt; 0;</item>
/// <item>every other block (BOUNDARYDOMAIN, BOUNDARYSEGMENTS, GRIDPARAMETER, ...) is skipped; INTERVAL and
/// CUBE blocks (structured or volume grids) are refused.</item>
/// </list>
/// Segment k becomes edge "s{k}" from its first vertex (x = 0) to its second; its length is the Euclidean
/// distance between them; its weight is r^2, so jump weights are proportional to cross-section area. Vertex
/// i becomes "v{i}" (numbered as in the file); vertices no segment uses are left out. Ends (degree 1)
/// get <see cref="DgfOptions.EndKind"/>; listed vertices are absorbing or sources; the rest are junctions.
/// </summary>
public static class DuneGridFormat
{
    /// <summary>Reads a network from a .dgf file.</summary>
    /// <exception cref="MetricGraphFormatException">The file is not a usable network.</exception>
    public static MetricGraph Load(string path, DgfOptions? options = null) => Parse(File.ReadAllText(path), Path.GetFileName(path), options);

    /// <summary>Reads a network from .dgf text; <paramref name="fileName"/> is named in errors.</summary>
    public static MetricGraph Parse(string text, string? fileName = null, DgfOptions? options = null)
    {
        options ??= new DgfOptions();
        var file = new DgfBlocks(fileName);
        file.Read(text.Split('\n'), options);
        var degree = file.Degrees();
        CheckNamedVertices(file, options, degree);
        return Build(file, options, degree);
    }

    /// <summary>The vertex and segment lines of one file, as read, with the line each came from.</summary>
    private sealed class DgfBlocks(string? fileName)
    {
        public string? FileName { get; } = fileName;

        public List<double[]> Coordinates { get; } = [];

        public List<int> VertexLines { get; } = [];

        public List<(int A, int B, double Radius, int Line)> Segments { get; } = [];

        public int FirstIndex { get; private set; }

        private int _simplexParameters;

        /// <summary>The DGF keyword line, then its blocks; a file without segments is refused.</summary>
        public void Read(string[] lines, DgfOptions options)
        {
            var n = 0;
            var headerSeen = false;
            while (n < lines.Length)
            {
                var (content, lineNumber) = (StripComment(lines[n]), n + 1);
                n++;
                if (content.Length == 0)
                {
                    continue;
                }

                if (!headerSeen)
                {
                    if (!content.Equals("DGF", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new MetricGraphFormatException(new SourceLocation(FileName, lineNumber), $"expected the keyword DGF on the first line, found \"{content}\"");
                    }

                    headerSeen = true;
                    continue;
                }

                var keyword = content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0].ToUpperInvariant();
                switch (keyword)
                {
                    case "VERTEX":
                        ReadVertices(BlockLines(lines, ref n), lines);
                        break;
                    case "SIMPLEX":
                        ReadSegments(BlockLines(lines, ref n), lines, options);
                        break;
                    case "INTERVAL":
                    case "CUBE":
                        throw new MetricGraphFormatException(new SourceLocation(FileName, lineNumber),
                            $"{(keyword == "INTERVAL" ? "an" : "a")} {keyword} block describes a structured or volume grid; a network needs VERTEX and SIMPLEX blocks");
                    default:
                        BlockLines(lines, ref n);
                        break;
                }
            }

            if (!headerSeen)
            {
                throw new MetricGraphFormatException(new SourceLocation(FileName, 0), "the file is empty; expected DGF, a VERTEX block and a SIMPLEX block");
            }

            if (Segments.Count == 0)
            {
                throw new MetricGraphFormatException(new SourceLocation(FileName, 0), "the graph is empty: no SIMPLEX block with segments");
            }
        }

        /// <summary>How many segments meet at each vertex; a segment naming an undefined vertex is refused at its line.</summary>
        public int[] Degrees()
        {
            var degree = new int[Coordinates.Count];
            foreach (var (a, b, _, line) in Segments)
            {
                foreach (var index in (ReadOnlySpan<int>)[a, b])
                {
                    var local = index - FirstIndex;
                    if (local < 0 || local >= Coordinates.Count)
                    {
                        throw new MetricGraphFormatException(new SourceLocation(FileName, line),
                            $"segment refers to vertex {index}, but the VERTEX block defines {Coordinates.Count} vertices ({FirstIndex}..{FirstIndex + Coordinates.Count - 1})");
                    }

                    degree[local]++;
                }
            }

            return degree;
        }

        private void ReadVertices(List<(string[] Fields, int Line)> block, string[] lines)
        {
            var vertexParameters = 0;
            foreach (var (fields, line) in block)
            {
                if (TryBlockSetting(fields, "firstindex", FileName, line, out var value))
                {
                    FirstIndex = value;
                }
                else if (TryBlockSetting(fields, "parameters", FileName, line, out value))
                {
                    vertexParameters = value;
                }
                else
                {
                    var numbers = Numbers(fields, FileName, line, lines[line - 1]);
                    var dimension = numbers.Length - vertexParameters;
                    if (dimension is < 1 or > 3 || (Coordinates.Count > 0 && dimension != Coordinates[0].Length))
                    {
                        throw new MetricGraphFormatException(new SourceLocation(FileName, line),
                            $"vertex line has {numbers.Length} numbers; expected {(Coordinates.Count > 0 ? Coordinates[0].Length.ToString(CultureInfo.InvariantCulture) : "1 to 3")} coordinates and {vertexParameters} parameters");
                    }

                    Coordinates.Add(numbers[..dimension]);
                    VertexLines.Add(line);
                }
            }
        }

        private void ReadSegments(List<(string[] Fields, int Line)> block, string[] lines, DgfOptions options)
        {
            foreach (var (fields, line) in block)
            {
                if (TryBlockSetting(fields, "parameters", FileName, line, out var value))
                {
                    _simplexParameters = value;
                    continue;
                }

                var numbers = Numbers(fields, FileName, line, lines[line - 1]);
                if (numbers.Length != 2 + _simplexParameters)
                {
                    throw new MetricGraphFormatException(new SourceLocation(FileName, line),
                        $"segment line has {numbers.Length} numbers; expected 2 vertex indices and {_simplexParameters} parameters (a network's SIMPLEX lines join two vertices)");
                }

                Segments.Add((VertexIndex(numbers[0], FileName, line, 1), VertexIndex(numbers[1], FileName, line, 2), Radius(numbers, options, line), line));
            }
        }

        /// <summary>The segment's radius parameter (1 when segments carry no parameters); it must be positive.</summary>
        private double Radius(double[] numbers, DgfOptions options, int line)
        {
            if (_simplexParameters == 0)
            {
                return 1.0;
            }

            if (options.RadiusParameter < 0 || options.RadiusParameter >= _simplexParameters)
            {
                throw new MetricGraphFormatException(new SourceLocation(FileName, line),
                    $"DgfOptions.RadiusParameter is {options.RadiusParameter}, but segments have {_simplexParameters} parameters (0..{_simplexParameters - 1})");
            }

            var radius = numbers[2 + options.RadiusParameter];
            if (!(radius > 0))
            {
                throw new MetricGraphFormatException(new SourceLocation(FileName, line),
                    $"segment radius (parameter {options.RadiusParameter}) is {JsonFormat(radius)}; it must be greater than 0");
            }

            return radius;
        }
    }

    /// <summary>Absorbing and source vertices named in the options must be vertices some segment uses.</summary>
    private static void CheckNamedVertices(DgfBlocks file, DgfOptions options, int[] degree)
    {
        foreach (var (list, what) in new[] { (options.AbsorbingVertices, "AbsorbingVertices"), (options.SourceVertices, "SourceVertices") })
        {
            foreach (var index in list.Where(i => i - file.FirstIndex < 0 || i - file.FirstIndex >= file.Coordinates.Count || degree[i - file.FirstIndex] == 0))
            {
                throw new MetricGraphFormatException(new SourceLocation(file.FileName, 0), $"DgfOptions.{what} names vertex {index}, which no segment of the file uses (unknown vertex)");
            }
        }
    }

    /// <summary>The graph: used vertices with their kinds and positions, one edge per segment with its length and radius.</summary>
    private static MetricGraph Build(DgfBlocks file, DgfOptions options, int[] degree)
    {
        var (fileName, coordinates, firstIndex) = (file.FileName, file.Coordinates, file.FirstIndex);
        var builder = new MetricGraphBuilder(fileName);
        for (var v = 0; v < coordinates.Count; v++)
        {
            if (degree[v] == 0)
            {
                continue;
            }

            var index = v + firstIndex;
            var kind = options.AbsorbingVertices.Contains(index) ? VertexKind.Absorbing
                : options.SourceVertices.Contains(index) ? VertexKind.Source
                : degree[v] == 1 ? options.EndKind
                : VertexKind.Junction;
            var c = coordinates[v].Concat([0.0, 0.0]).ToArray();
            builder.AddVertex(VertexName(index), kind, position: new System.Numerics.Vector3((float)c[0], (float)c[1], (float)c[2]),
                location: new SourceLocation(fileName, file.VertexLines[v]));
        }

        for (var k = 0; k < file.Segments.Count; k++)
        {
            var (a, b, radius, line) = file.Segments[k];
            var pa = coordinates[a - firstIndex];
            var pb = coordinates[b - firstIndex];
            var length = Math.Sqrt(pa.Zip(pb, (x, y) => (x - y) * (x - y)).Sum());
            if (!(length > 0))
            {
                throw new MetricGraphFormatException(new SourceLocation(fileName, line), $"segment {k} joins vertices {a} and {b}, which are at the same point: its length is 0");
            }

            builder.AddEdge("s" + k.ToString(CultureInfo.InvariantCulture), VertexName(a), VertexName(b), length, options.Sigma, null, radius * radius,
                new SourceLocation(fileName, line));
        }

        return builder.Build();
    }

    private static string VertexName(int index) => "v" + index.ToString(CultureInfo.InvariantCulture);

    private static List<(string[] Fields, int Line)> BlockLines(string[] lines, ref int n)
    {
        var block = new List<(string[], int)>();
        while (n < lines.Length)
        {
            var raw = lines[n].TrimStart();
            n++;
            if (raw.StartsWith('#'))
            {
                break;
            }

            var content = StripComment(raw);
            if (content.Length > 0)
            {
                block.Add((content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), n));
            }
        }

        return block;
    }

    private static bool TryBlockSetting(string[] fields, string name, string? fileName, int line, out int value)
    {
        value = 0;
        if (!fields[0].Equals(name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (fields.Length != 2 || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out value) || value < 0)
        {
            throw new MetricGraphFormatException(new SourceLocation(fileName, line), $"\"{string.Join(' ', fields)}\": expected \"{name} N\" with a whole number N >= 0");
        }

        return true;
    }

    private static double[] Numbers(string[] fields, string? fileName, int line, string rawLine)
    {
        var numbers = new double[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !double.IsFinite(numbers[i]))
            {
                throw new MetricGraphFormatException(new SourceLocation(fileName, line, rawLine.IndexOf(fields[i], StringComparison.Ordinal) + 1),
                    $"\"{fields[i]}\" (field {i + 1}) is not a number");
            }
        }

        return numbers;
    }

    private static int VertexIndex(double value, string? fileName, int line, int field)
    {
        if (value != Math.Floor(value) || value < 0 || value > int.MaxValue)
        {
            throw new MetricGraphFormatException(new SourceLocation(fileName, line), $"vertex index {JsonFormat(value)} (field {field}) is not a whole number >= 0");
        }

        return (int)value;
    }

    private static string StripComment(string line)
    {
        var cut = line.IndexOf('%');
        if (cut >= 0)
        {
            line = line[..cut];
        }

        // "#" ends a block at the start of a line; after data it starts a comment.
        var hash = line.IndexOf('#');
        if (hash > 0 && line[..hash].Trim().Length > 0)
        {
            line = line[..hash];
        }

        return line.Trim();
    }

    private static string JsonFormat(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
