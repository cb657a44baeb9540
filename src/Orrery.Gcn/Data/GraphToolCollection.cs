using Orrery.Gcn.Graphs;

namespace Orrery.Gcn.Data;

/// <summary>
/// A labelled graph of graph-tool's collection, read from <c>NAME.gt.gz</c> (or <c>NAME.gt</c>) with
/// <see cref="GraphToolFile"/>. Debian's <c>python3-graph-tool</c> ships the collection in
/// <see cref="DebianDirectory"/>; scripts/test.sh unpacks only those files from the package, without installing it.
/// The classes are the values of the vertex property <see cref="Label"/>, numbered 0, 1, ... in ascending order
/// (strings in ordinal order; a double NaN marks a node unlabelled): with the default <c>value</c>, football's 12
/// conferences (int32) and polblogs' two political leanings (double, 0 liberal, 1 conservative). Edges are taken both
/// ways whatever the file's direction, without self-loops or duplicates (polblogs: 19,090 directed links with 3
/// self-loops become 16,715 undirected edges). The collection's graphs carry no features, so
/// <see cref="Features"/> chooses them: <see cref="GraphToolFeatures.Identity"/> (the default; one column per node,
/// the usual input of a GCN on a featureless graph) or <see cref="GraphToolFeatures.Random"/>
/// (<see cref="FeatureWidth"/> columns of N(0, 1/width) numbers drawn with seed <see cref="Seed"/> + 1). The split is
/// drawn among labelled nodes, 60/20/20 with seed <see cref="Seed"/>, as <see cref="GraphFiles"/> draws it.
/// </summary>
/// <param name="Name">The graph's name: the file name without <c>.gt.gz</c> (polblogs, football, ...).</param>
/// <param name="Directory">The folder holding the file; empty: the first of <see cref="DefaultDirectories"/> that has it.</param>
/// <param name="Label">The vertex property whose values are the classes.</param>
/// <param name="Features">Identity or random features.</param>
/// <param name="FeatureWidth">Columns of random features (ignored for identity features).</param>
/// <param name="Seed">Seeds the split (and, plus one, the random features).</param>
public sealed record GraphToolCollection(
    string Name,
    string Directory = "",
    string Label = GraphToolCollection.DefaultLabel,
    GraphToolFeatures Features = GraphToolFeatures.Identity,
    int FeatureWidth = GraphToolCollection.DefaultFeatureWidth,
    int Seed = 1)
{
    /// <summary>Where <c>python3-graph-tool</c> installs the collection's files.</summary>
    public const string DebianDirectory = "/usr/lib/python3/dist-packages/graph_tool/collection";

    /// <summary>The environment variable naming a folder with the collection's files (scripts/test.sh sets it).</summary>
    public const string DirectoryVariable = "ORRERY_GRAPH_TOOL_DIR";

    /// <summary>The class property of football and polblogs.</summary>
    public const string DefaultLabel = "value";

    /// <summary>Random feature width unless set.</summary>
    public const int DefaultFeatureWidth = 64;

    /// <summary>Identity features for more nodes would take more than 1.6 GB (20,000² floats): use random ones.</summary>
    public const int MaxIdentityNodes = 20_000;

    /// <summary>At most this many classes (a label property with a distinct value per node is no class property).</summary>
    public const int MaxClasses = 1000;

    /// <summary>Where a graph is looked for without <see cref="Directory"/>: <c>$ORRERY_GRAPH_TOOL_DIR</c> when set, then <see cref="DebianDirectory"/>.</summary>
    public static IReadOnlyList<string> DefaultDirectories =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } folder ? [folder, DebianDirectory] : [DebianDirectory];

    /// <summary>Checks the values; the message names the field.</summary>
    public void Validate()
    {
        if (Name.Length == 0 || Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || Name.StartsWith('.'))
        {
            throw new ArgumentException($"data.name is '{Name}'; it must be a graph's file name without .gt.gz (letters, digits, '-', '_', '.'), such as polblogs or football");
        }

        if (Label.Length == 0)
        {
            throw new ArgumentException("data.label is empty; it must name a vertex property of the graph");
        }

        if (Features == GraphToolFeatures.Random && FeatureWidth is < 1 or > 65_536)
        {
            throw new ArgumentException($"data.feature_width is {FeatureWidth}; it must be in [1, 65536]");
        }
    }

    /// <summary>The graph's file: <c>NAME.gt.gz</c>, or <c>NAME.gt</c>, in <see cref="Directory"/> or the first default folder that has one.</summary>
    public string File()
    {
        Validate();
        IReadOnlyList<string> folders = Directory.Length > 0 ? [Directory] : DefaultDirectories;
        foreach (var folder in folders)
        {
            foreach (var candidate in new[] { $"{Name}.gt.gz", $"{Name}.gt" })
            {
                var path = Path.Combine(folder, candidate);
                if (System.IO.File.Exists(path))
                {
                    return path;
                }
            }
        }

        throw new GcnDataException(
            $"{Path.Combine(folders[0], Name + ".gt.gz")}: not found{(folders.Count > 1 ? $" (nor in {string.Join(", ", folders.Skip(1))})" : "")}; data.source graph-tool reads "
            + $"the collection of Debian's python3-graph-tool: apt-get install python3-graph-tool, or unpack its graph_tool/collection/*.gt.gz "
            + $"(apt-get download python3-graph-tool; dpkg-deb -x) and set data.directory or ${DirectoryVariable}");
    }

    /// <summary>Reads the file and builds the graph; file errors name the file and the byte offset.</summary>
    public GcnGraph Load()
    {
        var file = Read();
        var (classOf, classNames) = Classes(file);
        var nodes = file.NodeCount;
        if (Features == GraphToolFeatures.Identity && nodes > MaxIdentityNodes)
        {
            throw new GcnDataException($"{file.Path}: {nodes} nodes are too many for identity features (at most {MaxIdentityNodes}); set data.features: random");
        }

        var edges = new List<(int Source, int Target)>(file.EdgeCount * 2);
        for (var e = 0; e < file.EdgeCount; e++)
        {
            edges.Add((file.EdgeSources[e], file.EdgeTargets[e]));
            edges.Add((file.EdgeTargets[e], file.EdgeSources[e]));
        }

        var classes = classNames.Length;
        var targets = new float[(long)nodes * classes];
        var split = new byte[nodes];
        var random = new Random(Seed);
        for (var v = 0; v < nodes; v++)
        {
            if (classOf[v] < 0)
            {
                split[v] = 3;
                continue;
            }

            targets[(long)v * classes + classOf[v]] = 1f;
            split[v] = GraphFiles.DrawSplit(random);
        }

        var (features, width) = Features == GraphToolFeatures.Identity ? (IdentityFeatures(nodes), nodes) : (RandomFeatures(nodes), FeatureWidth);
        return new GcnGraph(nodes, edges, features, width, targets, classes, multiLabel: false, split);
    }

    /// <summary>Reads the file keeping only the label property's values, and checks the label (the spec parser's check).</summary>
    public GraphToolFile Read()
    {
        var file = GraphToolFile.Read(File(), (kind, name) => kind == GraphToolPropertyKind.Vertex && name == Label);
        _ = Classes(file);
        return file;
    }

    /// <summary>Per node its class (−1: unlabelled), and the label value each class stands for.</summary>
    internal (int[] ClassOf, string[] ClassNames) Classes(GraphToolFile file)
    {
        var map = file.Find(GraphToolPropertyKind.Vertex, Label);
        if (map is null)
        {
            var names = file.Properties.Where(p => p.Kind == GraphToolPropertyKind.Vertex).Select(p => $"{p.Name} ({p.TypeName})");
            throw new GcnDataException($"{file.Path}: no vertex property '{Label}' (data.label); its vertex properties: {string.Join(", ", names.DefaultIfEmpty("none"))}");
        }

        var classOf = new int[file.NodeCount];
        string[] classNames;
        if (map.Integers is { } integers)
        {
            var values = integers.Distinct().Order().ToArray();
            classOf = [.. integers.Select(x => Array.BinarySearch(values, x))];
            classNames = [.. values.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }
        else if (map.Reals is { } reals)
        {
            var values = reals.Where(x => !double.IsNaN(x)).Distinct().Order().ToArray();
            classOf = [.. reals.Select(x => double.IsNaN(x) ? -1 : Array.BinarySearch(values, x))];
            classNames = [.. values.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture))];
        }
        else if (map.Strings is { } strings)
        {
            classNames = [.. strings.Distinct().Order(StringComparer.Ordinal)];
            var index = classNames.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
            classOf = [.. strings.Select(s => index[s])];
        }
        else
        {
            throw new GcnDataException($"{file.Path}: vertex property '{Label}' (data.label) holds {map.TypeName}; a class property must hold bool, integers, doubles or strings");
        }

        if (classNames.Length is < 2 or > MaxClasses)
        {
            throw new GcnDataException($"{file.Path}: vertex property '{Label}' (data.label) has {classNames.Length} distinct value(s); training needs 2 to {MaxClasses} classes");
        }

        return (classOf, classNames);
    }

    private static float[] IdentityFeatures(int nodes)
    {
        // x: (nodes, nodes), the identity matrix.
        var features = new float[(long)nodes * nodes];
        for (var v = 0; v < nodes; v++)
        {
            features[(long)v * nodes + v] = 1f;
        }

        return features;
    }

    private float[] RandomFeatures(int nodes)
    {
        // x: (nodes, width), N(0, 1/width) by Box–Muller from a generator of its own, so the split's draws do not
        // depend on the width. Rows have expected squared norm 1, like the identity's.
        var random = new Random(unchecked(Seed + 1));
        var features = new float[(long)nodes * FeatureWidth];
        var scale = 1 / Math.Sqrt(FeatureWidth);
        for (var i = 0L; i < features.Length; i++)
        {
            var u = 1 - random.NextDouble();
            features[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return features;
    }
}
