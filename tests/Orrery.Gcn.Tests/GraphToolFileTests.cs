using System.Buffers.Binary;
using System.IO.Compression;
using Orrery.Gcn.Data;
using Xunit.Abstractions;

namespace Orrery.Gcn.Tests;

/// <summary>graph-tool's <c>.gt</c> reader: the real collection files, every value type, and bad files.</summary>
public sealed class GraphToolFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("orrery-graph-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// Football (Girvan and Newman 2002): 115 teams, 613 games, undirected, 12 conferences in <c>value</c>. The
    /// property maps are read past a vector&lt;double&gt; (<c>pos</c>) to the string map after it.
    /// </summary>
    [SkippableFact]
    public void ReadsFootball()
    {
        var file = GraphToolFile.Read(GraphToolData.PathOf("football"));
        output.WriteLine(file.Comment);
        Assert.Equal((115, 613, false, false), (file.NodeCount, file.EdgeCount, file.Directed, file.BigEndian));
        Assert.Contains("115 vertices, 613 edges, undirected", file.Comment);
        Assert.Equal(
            ["graph readme string", "graph description string", "vertex value int32_t", "vertex value_tsevans int32_t", "vertex pos vector<double>", "vertex label string"],
            file.Properties.Select(p => $"{p.Kind.ToString().ToLowerInvariant()} {p.Name} {p.TypeName}"));
        var conference = file.Find(GraphToolPropertyKind.Vertex, "value")!.Integers!;
        Assert.Equal(Enumerable.Range(0, 12).Select(c => (long)c), conference.Distinct().Order());
        Assert.Equal("BrighamYoung", file.Find(GraphToolPropertyKind.Vertex, "label")!.Strings![0]);
        Assert.Null(file.Find(GraphToolPropertyKind.Vertex, "pos")!.Reals);
        Assert.All(file.EdgeTargets, u => Assert.InRange(u, 0, 114));
        Assert.DoesNotContain(Enumerable.Range(0, file.EdgeCount), e => file.EdgeSources[e] == file.EdgeTargets[e]);

        var graph = new GraphToolCollection("football", Path.GetDirectoryName(file.Path)!).Load();
        Assert.Equal((115, 115, 12, 2 * 613), (graph.NodeCount, graph.FeatureCount, graph.ClassCount, graph.EdgeCount));
    }

    /// <summary>
    /// Political blogs (Adamic and Glance 2005): 1,490 blogs, 19,090 directed links, 3 of them self-loops; 758
    /// liberal (0) and 732 conservative (1) blogs in the double map <c>value</c>. Symmetrised without self-loops and
    /// duplicates: 16,715 undirected edges.
    /// </summary>
    [SkippableFact]
    public void ReadsPolblogs()
    {
        var file = GraphToolFile.Read(GraphToolData.PathOf("polblogs"));
        output.WriteLine(file.Comment);
        Assert.Equal((1490, 19090, true), (file.NodeCount, file.EdgeCount, file.Directed));
        Assert.Equal(3, Enumerable.Range(0, file.EdgeCount).Count(e => file.EdgeSources[e] == file.EdgeTargets[e]));
        var leaning = file.Find(GraphToolPropertyKind.Vertex, "value")!.Reals!;
        Assert.Equal((758, 732), (leaning.Count(x => x == 0), leaning.Count(x => x == 1)));
        Assert.Equal(["label", "value", "pos", "source"], file.Properties.Where(p => p.Kind == GraphToolPropertyKind.Vertex).Select(p => p.Name));

        var graph = new GraphToolCollection("polblogs", Path.GetDirectoryName(file.Path)!).Load();
        Assert.Equal((1490, 2, 2 * 16_715), (graph.NodeCount, graph.ClassCount, graph.EdgeCount));
        Assert.Equal(1490 - 1490 * 0.6, graph.Split.Count(s => s != 0), tolerance: 60); // 60/20/20 drawn per node
    }

    /// <summary>
    /// A file with graph, vertex and edge maps of all 15 value types, in either byte order, plain and gzipped, with
    /// 1-byte (5 nodes) and 2-byte (300 nodes) indexes: the reader parses past every map and reads the kept ones.
    /// </summary>
    [Theory]
    [InlineData(5, false, false)]
    [InlineData(5, true, true)]
    [InlineData(300, false, true)]
    [InlineData(300, true, false)]
    public void ReadsEveryValueTypeInEitherByteOrder(int nodes, bool bigEndian, bool gzip)
    {
        var writer = new GraphToolWriter(nodes, directed: true, bigEndian);
        for (var v = 0; v < nodes; v++)
        {
            writer.Edge(v, (v + 1) % nodes).Edge(v, (v * 7 + 3) % nodes);
        }

        foreach (var kind in Enum.GetValues<GraphToolPropertyKind>())
        {
            var count = kind switch { GraphToolPropertyKind.Graph => 1, GraphToolPropertyKind.Vertex => nodes, _ => writer.EdgeCount };
            foreach (var type in Enum.GetValues<GraphToolValueType>())
            {
                writer.Map(kind, $"{type}", type, [.. Enumerable.Range(0, count).Select(i => Sample(type, i))]);
            }
        }

        var path = writer.Write(Path.Combine(_dir, gzip ? "g.gt.gz" : "g.gt"), gzip);
        var file = GraphToolFile.Read(path);
        Assert.Equal((nodes, 2 * nodes, true, bigEndian), (file.NodeCount, file.EdgeCount, file.Directed, file.BigEndian));
        Assert.Equal((nodes - 1, 0), (file.EdgeSources[^1], file.EdgeTargets[^2]));
        Assert.Equal(3 * 15, file.Properties.Count);
        var edges = file.Find(GraphToolPropertyKind.Edge, "Int16")!.Integers!;
        Assert.Equal(Enumerable.Range(0, 2 * nodes).Select(i => (long)(short)(i * 1000 - 7)), edges);
        Assert.Equal([-1L], file.Find(GraphToolPropertyKind.Graph, "Int64")!.Integers!);
        Assert.Equal(Enumerable.Range(0, nodes).Select(i => i % 2 == 0 ? 1L : 0L), file.Find(GraphToolPropertyKind.Vertex, "Bool")!.Integers!);
        Assert.Equal(Enumerable.Range(0, nodes).Select(i => i - 0.5), file.Find(GraphToolPropertyKind.Vertex, "Double")!.Reals!);
        Assert.Equal(Enumerable.Range(0, nodes).Select(i => $"ñode {i}"), file.Find(GraphToolPropertyKind.Vertex, "String")!.Strings!);
        Assert.Equal(Enumerable.Range(0, nodes).Select(i => (long)(i * 100_000)), file.Find(GraphToolPropertyKind.Vertex, "Int32")!.Integers!);

        // The last map of the file is read when the ones before it are only skipped.
        var kept = GraphToolFile.Read(path, (kind, name) => kind == GraphToolPropertyKind.Edge && name == "PythonObject");
        Assert.All(kept.Properties, p => Assert.Null(p.Integers ?? (object?)p.Reals ?? p.Strings));
        Assert.Equal(Enumerable.Range(0, nodes).Select(i => (long)(i * 100_000)), GraphToolFile.Read(path, (k, n) => n == "Int32").Find(GraphToolPropertyKind.Vertex, "Int32")!.Integers!);
    }

    /// <summary>Indexes take 1 byte up to 255 nodes and 2 bytes from 256: the adjacency is 1 + 8 + 8N + E·d bytes.</summary>
    [Theory]
    [InlineData(255, 1)]
    [InlineData(256, 2)]
    public void IndexWidthFollowsTheNodeCount(int nodes, int width)
    {
        var writer = new GraphToolWriter(nodes).Edge(0, nodes - 1).Edge(nodes - 1, nodes - 2);
        Assert.Equal(width, writer.Width);
        var path = writer.Write(Path.Combine(_dir, "w.gt"));
        Assert.Equal(8 + 8 + Comment.Length + 1 + 8 + 8 * nodes + 2 * width + 8, new FileInfo(path).Length);
        var file = GraphToolFile.Read(path);
        Assert.Equal([nodes - 1, nodes - 2], file.EdgeTargets);
    }

    // The base file of the bad-file cases: 3 nodes, edges 0-1 and 1-2, one int32 vertex map 'value' [0, 1, 1],
    // little-endian, the writer's comment. Offsets: magic 0, version 6, byte order 7, comment length 8, comment 16,
    // then (A = 16 + comment length) directed A, node count A+1, node 0's count A+9 and its neighbour A+17, node 1's
    // count A+18 and neighbour A+26, node 2's count A+27, map count A+35, key type A+43, name length A+44, name A+52,
    // value type A+57, values A+58, end A+70.
    private static readonly int A = 16 + Comment.Length;

    public static TheoryData<string, int, byte[], string> BadFiles => new()
    {
        { "wrong magic", 0, [0x89], "offset 0: not a graph-tool .gt file" },
        { "version 2", 6, [2], "offset 6: format version 2; this reader reads version 1" },
        { "byte order 7", 7, [7], "offset 7: byte order flag 7" },
        { "huge comment length", 8, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], "offset 8: the comment: a length of 9223372036854775807 elements of 1 bytes runs past the end of the data" },
        { "directed flag 2", A, [2], $"offset {A}: directed flag 2" },
        { "huge node count", A + 1, [0, 0, 0, 0, 0, 1, 0, 0], $"offset {A + 1}: node count 1099511627776 needs at least" },
        { "huge out-degree", A + 9, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], $"offset {A + 9}: node 0 lists 18446744073709551615 out-neighbours of 1 bytes each" },
        { "neighbour 3 of 3 nodes", A + 26, [3], $"offset {A + 26}: out-neighbour 3 of node 1 is not a node: the graph has 3 (0 to 2)" },
        { "huge map count", A + 35, [0, 0, 0, 0, 0, 0, 0, 1], $"offset {A + 35}: 72057594037927936 property maps need at least" },
        { "key type 3", A + 43, [3], $"offset {A + 43}: property map 0: key type 3" },
        { "huge name length", A + 44, [0, 0, 0, 0, 0, 0, 1, 0], $"offset {A + 44}: the name of property map 0: a length of 281474976710656 elements" },
        { "value type 0x0f", A + 57, [0x0f], $"offset {A + 57}: vertex property 'value': value type 0x0f is not one of the format's 0x00 to 0x0e" },
        { "string map with a huge length", A + 57, [(byte)GraphToolValueType.String], $"offset {A + 58}: vertex property 'value': a length of" },
    };

    private const string Comment = "written by Orrery's tests";

    /// <summary>Each broken byte is reported at its offset, with the file's path, and nothing is returned.</summary>
    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFilesNameTheFileAndTheOffset(string what, int offset, byte[] patch, string expected)
    {
        var bytes = BaseFile().Bytes(Comment);
        Assert.Equal(A + 70, bytes.Length);
        patch.CopyTo(bytes, offset);
        var path = Path.Combine(_dir, "bad.gt");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path));
        output.WriteLine($"{what}: {error.Message}");
        Assert.StartsWith($"{path}: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    /// <summary>A file cut anywhere fails (with the path and an offset), as does one with a byte after its end.</summary>
    [Fact]
    public void TruncatedFilesAndTrailingBytesFail()
    {
        var bytes = BaseFile().Bytes(Comment);
        var path = Path.Combine(_dir, "cut.gt");
        for (var length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var error = Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path));
            Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)}: offset \d+: ", error.Message);
        }

        File.WriteAllBytes(path, [.. bytes, 0]);
        Assert.Contains($"offset {bytes.Length}: 1 bytes after the last property map", Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path)).Message);
        File.WriteAllBytes(path, bytes);
        Assert.Equal([0L, 1, 1], GraphToolFile.Read(path).Find(GraphToolPropertyKind.Vertex, "value")!.Integers!);
    }

    /// <summary>Compressed files: offsets count decompressed bytes; cut or corrupt gzip data fails too.</summary>
    [Fact]
    public void CompressedFilesReportDecompressedOffsets()
    {
        var bytes = BaseFile().Bytes(Comment);
        bytes[6] = 9;
        var path = Path.Combine(_dir, "bad.gt.gz");
        File.WriteAllBytes(path, Gzip(bytes));
        Assert.Equal($"{path}: decompressed offset 6: format version 9; this reader reads version 1", Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path)).Message);

        bytes[6] = 1;
        var compressed = Gzip(bytes);
        File.WriteAllBytes(path, compressed[..(compressed.Length / 2)]);
        var cut = Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path));
        output.WriteLine(cut.Message);
        Assert.StartsWith($"{path}: decompressed offset ", cut.Message);

        compressed[12] ^= 0xff;
        compressed[13] ^= 0xff;
        File.WriteAllBytes(path, compressed);
        var corrupt = Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path));
        output.WriteLine(corrupt.Message);
        Assert.StartsWith($"{path}: decompressed offset ", corrupt.Message);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var path = Path.Combine(_dir, "nowhere", "x.gt.gz");
        Assert.Equal($"{path}: no such file", Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path)).Message);
    }

    /// <summary>A bool stored as 2 is refused where it is.</summary>
    [Fact]
    public void BoolValuesMustBeZeroOrOne()
    {
        var path = new GraphToolWriter(2).Edge(0, 1).Map(GraphToolPropertyKind.Vertex, "flag", GraphToolValueType.Bool, 1L, 2L).Write(Path.Combine(_dir, "b.gt"));
        var error = Assert.Throws<GcnDataException>(() => GraphToolFile.Read(path));
        Assert.Contains($"offset {new FileInfo(path).Length - 1}: vertex property 'flag': bool value 2", error.Message);
    }

    private static GraphToolWriter BaseFile() =>
        new GraphToolWriter(3).Edge(0, 1).Edge(1, 2).Map(GraphToolPropertyKind.Vertex, "value", GraphToolValueType.Int32, 0L, 1L, 1L);

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }

    /// <summary>Value <paramref name="i"/> of a map of <paramref name="type"/> as <see cref="GraphToolWriter"/> takes it.</summary>
    private static object Sample(GraphToolValueType type, int i) => type switch
    {
        GraphToolValueType.Bool => i % 2 == 0 ? 1L : 0L,
        GraphToolValueType.Int16 => (long)(short)(i * 1000 - 7),
        GraphToolValueType.Int32 => (long)(i * 100_000),
        GraphToolValueType.Int64 => -1L - i,
        GraphToolValueType.Double => i - 0.5,
        GraphToolValueType.LongDouble => LongDouble(i),
        GraphToolValueType.String => $"ñode {i}",
        GraphToolValueType.BoolVector => new long[] { 1, 0, i % 2 },
        GraphToolValueType.Int16Vector => Enumerable.Range(0, i % 4).Select(x => (long)x).ToArray(),
        GraphToolValueType.Int32Vector => new long[] { i, -i },
        GraphToolValueType.Int64Vector => new long[] { long.MinValue + i },
        GraphToolValueType.DoubleVector => new double[] { i, 0.25 },
        GraphToolValueType.LongDoubleVector => Enumerable.Range(0, i % 3).Select(LongDouble).ToArray(),
        GraphToolValueType.StringVector => Enumerable.Range(0, i % 3).Select(x => new string('s', x)).ToArray(),
        _ => $"(pickled {i}",
    };

    private static byte[] LongDouble(int i)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, i);
        return bytes;
    }
}
