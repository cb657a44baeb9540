using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Text;

namespace Orrery.Gcn.Data;

/// <summary>
/// A graph in graph-tool's binary <c>.gt</c> format, plain or gzip-compressed (<c>.gt.gz</c>, recognised by its
/// content). Layout, in the file's byte order: the magic <c>⛾ gt</c> (6 bytes, <c>e2 9b be 20 67 74</c>), the version
/// (1 byte, 1), the byte order (1 byte: 0 little-endian, 1 big-endian), a comment string; the adjacency: directed
/// (1 byte), the node count N (8 bytes), then per node its out-neighbour count (8 bytes) and the neighbours' indexes,
/// each in the smallest of 1, 2, 4 or 8 bytes whose unsigned maximum is at least N (an undirected edge is listed once);
/// then the property map count (8 bytes) and per map its key type (1 byte, <see cref="GraphToolPropertyKind"/>), its
/// name (a string), its value type (1 byte, <see cref="GraphToolValueType"/>) and its values: one for a graph map, N
/// for a vertex map, one per edge in adjacency order for an edge map. A string is an 8-byte length and its bytes.
/// The whole file is read into memory (graph-tool's collection graphs are kilobytes to megabytes; at most 2 GiB).
/// Every error names the file and the byte offset (in the decompressed data of a <c>.gt.gz</c>), and nothing is
/// returned from a file with an error: a length is checked against the bytes left before anything is allocated for it,
/// and bytes after the last property map are an error too.
/// </summary>
public sealed class GraphToolFile
{
    /// <summary>The format version this reader reads.</summary>
    public const byte Version = 1;

    private static ReadOnlySpan<byte> Magic => [0xe2, 0x9b, 0xbe, 0x20, 0x67, 0x74];

    private GraphToolFile(string path, string comment, bool bigEndian, bool directed, int nodes, int[] sources, int[] targets, GraphToolPropertyMap[] properties)
    {
        (Path, Comment, BigEndian, Directed, NodeCount, EdgeSources, EdgeTargets, Properties) = (path, comment, bigEndian, directed, nodes, sources, targets, properties);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The header comment (graph-tool writes its version and the graph's size there).</summary>
    public string Comment { get; }

    /// <summary>True when the file's numbers are big-endian.</summary>
    public bool BigEndian { get; }

    /// <summary>True for a directed graph; an undirected one lists each edge once.</summary>
    public bool Directed { get; }

    /// <summary>Number of vertices.</summary>
    public int NodeCount { get; }

    /// <summary>Number of edges as stored (an undirected edge once; self-loops and parallel edges included).</summary>
    public int EdgeCount => EdgeSources.Length;

    /// <summary>Per edge, in adjacency order (the order of edge property values): the vertex whose list holds it.</summary>
    public int[] EdgeSources { get; }

    /// <summary>Per edge, in adjacency order: the listed neighbour.</summary>
    public int[] EdgeTargets { get; }

    /// <summary>The property maps in file order.</summary>
    public IReadOnlyList<GraphToolPropertyMap> Properties { get; }

    /// <summary>The <paramref name="kind"/> map named <paramref name="name"/>, or null.</summary>
    public GraphToolPropertyMap? Find(GraphToolPropertyKind kind, string name) =>
        Properties.FirstOrDefault(p => p.Kind == kind && p.Name == name);

    /// <summary>
    /// Reads <paramref name="path"/>. <paramref name="keep"/> chooses the maps whose values are kept (null: every map
    /// of a keepable type); the others are parsed past.
    /// </summary>
    public static GraphToolFile Read(string path, Func<GraphToolPropertyKind, string, bool>? keep = null)
    {
        var (bytes, compressed) = Load(path);
        var reader = new Reader(bytes, path, compressed);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            reader.Fail(0, "not a graph-tool .gt file (it must start with the magic bytes e2 9b be 20 67 74, \"⛾ gt\")");
        }

        reader.Position = Magic.Length;
        var version = reader.Byte("the version");
        if (version != Version)
        {
            reader.Fail(reader.Position - 1, $"format version {version}; this reader reads version {Version}");
        }

        var order = reader.Byte("the byte order");
        if (order > 1)
        {
            reader.Fail(reader.Position - 1, $"byte order flag {order}; it must be 0 (little-endian) or 1 (big-endian)");
        }

        reader.BigEndian = order == 1;
        var comment = reader.String("the comment");
        var directedAt = reader.Position;
        var directed = reader.Byte("the directed flag");
        if (directed > 1)
        {
            reader.Fail(directedAt, $"directed flag {directed}; it must be 0 or 1");
        }

        var (nodes, sources, targets) = ReadAdjacency(ref reader);
        var properties = ReadProperties(ref reader, nodes, sources.Length, keep);
        if (reader.Position != bytes.Length)
        {
            reader.Fail(reader.Position, $"{bytes.Length - reader.Position} bytes after the last property map; the file must end there");
        }

        return new GraphToolFile(path, comment, reader.BigEndian, directed == 1, nodes, sources, targets, properties);
    }

    /// <summary>graph-tool's name of <paramref name="type"/>.</summary>
    public static string TypeName(GraphToolValueType type) => type switch
    {
        GraphToolValueType.Bool => "bool",
        GraphToolValueType.Int16 => "int16_t",
        GraphToolValueType.Int32 => "int32_t",
        GraphToolValueType.Int64 => "int64_t",
        GraphToolValueType.Double => "double",
        GraphToolValueType.LongDouble => "long double",
        GraphToolValueType.String => "string",
        GraphToolValueType.BoolVector => "vector<bool>",
        GraphToolValueType.Int16Vector => "vector<int16_t>",
        GraphToolValueType.Int32Vector => "vector<int32_t>",
        GraphToolValueType.Int64Vector => "vector<int64_t>",
        GraphToolValueType.DoubleVector => "vector<double>",
        GraphToolValueType.LongDoubleVector => "vector<long double>",
        GraphToolValueType.StringVector => "vector<string>",
        GraphToolValueType.PythonObject => "python::object",
        _ => $"type 0x{(byte)type:x2}",
    };

    private static (byte[] Bytes, bool Compressed) Load(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> head = stackalloc byte[2];
            var compressed = file.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x1f && head[1] == 0x8b;
            file.Position = 0;
            if (!compressed)
            {
                return (File.ReadAllBytes(path), false);
            }

            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var buffer = new MemoryStream();
            try
            {
                gzip.CopyTo(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new GcnDataException($"{path}: decompressed offset {buffer.Length}: the gzip data is corrupt ({e.Message})");
            }

            return (buffer.ToArray(), true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new GcnDataException($"{path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            throw new GcnDataException($"{path}: cannot read ({e.Message})");
        }
    }

    private static (int Nodes, int[] Sources, int[] Targets) ReadAdjacency(ref Reader reader)
    {
        var countAt = reader.Position;
        var count = reader.UInt64("the node count");

        // Each node's list starts with an 8-byte length, so the bytes left bound the node count before anything is
        // allocated for it.
        if (count > (ulong)reader.Remaining / 8 || count > int.MaxValue)
        {
            reader.Fail(countAt, $"node count {count} needs at least {count}×8 bytes of adjacency lists; {reader.Remaining} bytes remain");
        }

        var nodes = (int)count;
        var width = nodes <= byte.MaxValue ? 1 : nodes <= ushort.MaxValue ? 2 : 4;
        var sources = new List<int>();
        var targets = new List<int>();
        for (var v = 0; v < nodes; v++)
        {
            var degreeAt = reader.Position;
            var degree = reader.UInt64($"the out-neighbour count of node {v}");
            if (degree > (ulong)(reader.Remaining / width) || (ulong)sources.Count + degree > (ulong)Array.MaxLength)
            {
                reader.Fail(degreeAt, $"node {v} lists {degree} out-neighbours of {width} bytes each; {reader.Remaining} bytes remain");
            }

            for (var i = 0UL; i < degree; i++)
            {
                var at = reader.Position;
                var u = reader.Index(width);
                if (u >= (ulong)nodes)
                {
                    reader.Fail(at, $"out-neighbour {u} of node {v} is not a node: the graph has {nodes} (0 to {nodes - 1})");
                }

                sources.Add(v);
                targets.Add((int)u);
            }
        }

        return (nodes, [.. sources], [.. targets]);
    }

    private static GraphToolPropertyMap[] ReadProperties(ref Reader reader, int nodes, int edges, Func<GraphToolPropertyKind, string, bool>? keep)
    {
        var countAt = reader.Position;
        var count = reader.UInt64("the property map count");

        // A map is at least a key byte, an 8-byte name length and a type byte.
        if (count > (ulong)reader.Remaining / 10)
        {
            reader.Fail(countAt, $"{count} property maps need at least {count}×10 bytes; {reader.Remaining} bytes remain");
        }

        var maps = new GraphToolPropertyMap[count];
        for (var m = 0; m < maps.Length; m++)
        {
            var keyAt = reader.Position;
            var key = reader.Byte($"the key type of property map {m}");
            if (key > (byte)GraphToolPropertyKind.Edge)
            {
                reader.Fail(keyAt, $"property map {m}: key type {key}; it must be 0 (graph), 1 (vertex) or 2 (edge)");
            }

            var kind = (GraphToolPropertyKind)key;
            var name = reader.String($"the name of property map {m}");
            var typeAt = reader.Position;
            var type = reader.Byte($"the value type of {Describe(kind, name)}");
            if (type > (byte)GraphToolValueType.PythonObject)
            {
                reader.Fail(typeAt, $"{Describe(kind, name)}: value type 0x{type:x2} is not one of the format's 0x00 to 0x0e");
            }

            var values = kind switch
            {
                GraphToolPropertyKind.Graph => 1,
                GraphToolPropertyKind.Vertex => nodes,
                _ => edges,
            };
            var map = new GraphToolPropertyMap(kind, name, (GraphToolValueType)type, reader.Position);
            maps[m] = map.IsKeepable && (keep?.Invoke(kind, name) ?? true)
                ? ReadValues(ref reader, map, values)
                : SkipValues(ref reader, map, values);
        }

        return maps;
    }

    private static GraphToolPropertyMap ReadValues(ref Reader reader, GraphToolPropertyMap map, int count)
    {
        var what = Describe(map.Kind, map.Name);
        switch (map.ValueType)
        {
            case GraphToolValueType.Double:
                var reals = new double[count];
                for (var i = 0; i < count; i++)
                {
                    reals[i] = BitConverter.Int64BitsToDouble((long)reader.Fixed(8, what));
                }

                return map with { Reals = reals };
            case GraphToolValueType.String:
                var strings = new string[count];
                for (var i = 0; i < count; i++)
                {
                    strings[i] = reader.String(what);
                }

                return map with { Strings = strings };
            default:
                var size = ScalarSize(map.ValueType);
                var integers = new long[count];
                for (var i = 0; i < count; i++)
                {
                    var at = reader.Position;
                    var raw = reader.Fixed(size, what);
                    integers[i] = map.ValueType switch
                    {
                        GraphToolValueType.Bool when raw > 1 => reader.Fail<long>(at, $"{what}: bool value {raw}; it must be 0 or 1"),
                        GraphToolValueType.Int16 => (short)raw,
                        GraphToolValueType.Int32 => (int)raw,
                        _ => (long)raw,
                    };
                }

                return map with { Integers = integers };
        }
    }

    private static GraphToolPropertyMap SkipValues(ref Reader reader, GraphToolPropertyMap map, int count)
    {
        var what = Describe(map.Kind, map.Name);
        for (var i = 0; i < count; i++)
        {
            switch (map.ValueType)
            {
                case <= GraphToolValueType.LongDouble:
                    reader.Skip(1, ScalarSize(map.ValueType), what);
                    break;
                case GraphToolValueType.String or GraphToolValueType.PythonObject:
                    reader.Skip(reader.Length(1, what), 1, what);
                    break;
                case GraphToolValueType.StringVector:
                    var strings = reader.Length(8, what);
                    for (var s = 0L; s < strings; s++)
                    {
                        reader.Skip(reader.Length(1, what), 1, what);
                    }

                    break;
                default:
                    var element = ScalarSize((GraphToolValueType)(map.ValueType - GraphToolValueType.BoolVector));
                    reader.Skip(reader.Length(element, what), element, what);
                    break;
            }
        }

        return map;
    }

    private static int ScalarSize(GraphToolValueType type) => type switch
    {
        GraphToolValueType.Bool => 1,
        GraphToolValueType.Int16 => 2,
        GraphToolValueType.Int32 => 4,
        GraphToolValueType.LongDouble => 16,
        _ => 8,
    };

    private static string Describe(GraphToolPropertyKind kind, string name) => $"{kind.ToString().ToLowerInvariant()} property '{name}'";

    /// <summary>A bounds-checked cursor over the file's bytes in its byte order.</summary>
    private ref struct Reader(byte[] bytes, string path, bool compressed)
    {
        private readonly byte[] _bytes = bytes;

        public int Position;

        public bool BigEndian;

        public readonly long Remaining => _bytes.Length - Position;

        public byte Byte(string what)
        {
            Need(1, what);
            return _bytes[Position++];
        }

        public ulong UInt64(string what) => Fixed(8, what);

        /// <summary>An unsigned number of <paramref name="size"/> (1, 2, 4 or 8) bytes.</summary>
        public ulong Fixed(int size, string what)
        {
            Need(size, what);
            var span = _bytes.AsSpan(Position, size);
            Position += size;
            return size switch
            {
                1 => span[0],
                2 => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span),
                4 => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span),
                _ => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(span) : BinaryPrimitives.ReadUInt64LittleEndian(span),
            };
        }

        /// <summary>A node index of <paramref name="width"/> bytes (bounds already checked for the whole list).</summary>
        public ulong Index(int width) => Fixed(width, "a node index");

        /// <summary>An 8-byte element count, checked against the bytes left for elements of <paramref name="elementSize"/> bytes.</summary>
        public long Length(int elementSize, string what)
        {
            var at = Position;
            var length = UInt64($"the length of a value of {what}");
            if (length > (ulong)(Remaining / elementSize))
            {
                Fail(at, $"{what}: a length of {length} elements of {elementSize} bytes runs past the end of the data ({Remaining} bytes remain)");
            }

            return (long)length;
        }

        public string String(string what)
        {
            var length = (int)Length(1, what);
            var text = Encoding.UTF8.GetString(_bytes, Position, length);
            Position += length;
            return text;
        }

        public void Skip(long count, int size, string what)
        {
            Need(count * size, what);
            Position += (int)(count * size);
        }

        [DoesNotReturn]
        public readonly void Fail(long offset, string problem) =>
            throw new GcnDataException($"{path}: {(compressed ? "decompressed offset" : "offset")} {offset}: {problem}");

        [DoesNotReturn]
        public readonly T Fail<T>(long offset, string problem) => throw new GcnDataException($"{path}: {(compressed ? "decompressed offset" : "offset")} {offset}: {problem}");

        private readonly void Need(long count, string what)
        {
            if (count > Remaining)
            {
                Fail(Position, $"the file ends inside {what}: {count} bytes needed, {Remaining} left");
            }
        }
    }
}
