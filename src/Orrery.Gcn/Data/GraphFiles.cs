using System.Globalization;
using Orrery.Gcn.Graphs;

namespace Orrery.Gcn.Data;

/// <summary>
/// A graph from the user's files: an edge list CSV (<c>source,target</c> per line, node ids from 0; an optional
/// header line; <c>#</c> comments), features as CSV (one row of numbers per node) or .npy (nodes × features), labels
/// as CSV or .npy: one integer class per node (−1 for unlabelled), or a 0/1 row per node for multi-label data. The
/// split is drawn at random (60/20/20, seeded) among labelled nodes. Every error names the file and the line (CSV)
/// or byte offset (.npy), and nothing is returned from a file with an error.
/// </summary>
public static class GraphFiles
{
    /// <summary>Loads and checks the three files.</summary>
    public static GcnGraph Load(string edgesPath, string featuresPath, string labelsPath, bool undirected = true, int seed = 1)
    {
        var (features, nodes, width) = ReadMatrix(featuresPath, "features");
        var (labels, labelRows, labelWidth) = ReadMatrix(labelsPath, "labels");
        if (labelRows != nodes)
        {
            throw new GcnDataException($"{labelsPath}: {labelRows} label rows for the {nodes} nodes of {featuresPath}; there must be one per node");
        }

        var edges = ReadEdges(edgesPath, nodes, undirected);
        var multiLabel = labelWidth > 1;
        int classes;
        float[] targets;
        var split = new byte[nodes];
        var random = new Random(seed);
        if (multiLabel)
        {
            classes = labelWidth;
            targets = new float[nodes * classes];
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] is not (0 or 1))
                {
                    throw new GcnDataException($"{labelsPath}: {Where(labelsPath, i / labelWidth)}: multi-label rows must hold 0 or 1; found {labels[i]}");
                }

                targets[i] = (float)labels[i];
            }

            for (var v = 0; v < nodes; v++)
            {
                split[v] = DrawSplit(random);
            }
        }
        else
        {
            var max = -1;
            for (var v = 0; v < nodes; v++)
            {
                var label = labels[v];
                if (label != Math.Floor(label) || label < -1)
                {
                    throw new GcnDataException($"{labelsPath}: {Where(labelsPath, v)}: label {label} is not a class number (0, 1, ...) or -1 for unlabelled");
                }

                max = Math.Max(max, (int)label);
            }

            classes = max + 1;
            if (classes < 2)
            {
                throw new GcnDataException($"{labelsPath}: the labels name {classes} class(es); training needs at least 2");
            }

            targets = new float[nodes * classes];
            for (var v = 0; v < nodes; v++)
            {
                if (labels[v] < 0)
                {
                    split[v] = 3;
                    continue;
                }

                targets[v * classes + (int)labels[v]] = 1f;
                split[v] = DrawSplit(random);
            }
        }

        return new GcnGraph(nodes, edges, [.. features.Select(f => (float)f)], width, targets, classes, multiLabel, split);
    }

    /// <summary>One labelled node's split from one draw of <paramref name="random"/>: 0 train (60%), 1 validation (20%), 2 test (20%).</summary>
    internal static byte DrawSplit(Random random)
    {
        var r = random.NextDouble();
        return r < 0.6 ? (byte)0 : r < 0.8 ? (byte)1 : (byte)2;
    }

    private static string Where(string path, int row) =>
        path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? $"row {row}" : $"line {row + 1}";

    /// <summary>Edges from a CSV; ids must be below <paramref name="nodes"/>.</summary>
    internal static List<(int, int)> ReadEdges(string path, int nodes, bool undirected)
    {
        var edges = new List<(int, int)>();
        var lineNumber = 0;
        foreach (var raw in ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length != 2)
            {
                throw new GcnDataException($"{path}: line {lineNumber}: '{Clip(line)}' has {fields.Length} fields; an edge is 'source,target'");
            }

            if (!int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) | !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var t))
            {
                if (edges.Count == 0 && lineNumber == 1)
                {
                    continue; // a header
                }

                throw new GcnDataException($"{path}: line {lineNumber}: '{Clip(line)}' is not two integer node ids");
            }

            if (s < 0 || t < 0 || s >= nodes || t >= nodes)
            {
                throw new GcnDataException($"{path}: line {lineNumber}: edge {s} → {t} names a node outside [0, {nodes}) (the feature file has {nodes} rows)");
            }

            edges.Add((s, t));
            if (undirected)
            {
                edges.Add((t, s));
            }
        }

        return edges;
    }

    private static (double[] Values, int Rows, int Columns) ReadMatrix(string path, string what)
    {
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            var (values, shape) = NpyFile.Read(path);
            return shape.Length switch
            {
                1 => (values, shape[0], 1),
                2 => (values, shape[0], shape[1]),
                _ => throw new GcnDataException($"{path}: {what} must be a 1-D or 2-D array; it has shape ({string.Join(", ", shape)})"),
            };
        }

        var rows = new List<double[]>();
        var lineNumber = 0;
        var width = -1;
        foreach (var raw in ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            var row = new double[fields.Length];
            for (var j = 0; j < fields.Length; j++)
            {
                if (!double.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]) || !double.IsFinite(row[j]))
                {
                    throw new GcnDataException($"{path}: line {lineNumber}: field {j + 1} '{Clip(fields[j])}' is not a finite number");
                }
            }

            if (width >= 0 && row.Length != width)
            {
                throw new GcnDataException($"{path}: line {lineNumber}: {row.Length} fields; the rows above have {width}");
            }

            width = row.Length;
            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            throw new GcnDataException($"{path}: no {what} rows");
        }

        return ([.. rows.SelectMany(r => r)], rows.Count, width);
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            throw new GcnDataException($"{path}: no such file");
        }

        return File.ReadLines(path);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
