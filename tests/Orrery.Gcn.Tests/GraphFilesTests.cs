using Orrery.Gcn.Data;

namespace Orrery.Gcn.Tests;

public sealed class GraphFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("orrery-gcn-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadsCsvAndNpy()
    {
        var edges = Write("edges.csv", "source,target\n0,1\n1,2\n# a comment\n2,3\n");
        var features = Write("features.csv", "1,0\n0,1\n1,1\n0.5,-2e-1\n");
        var labels = Path.Combine(_dir, "labels.npy");
        NpyFile.Write(labels, [0, 1, -1, 1], 4);
        var graph = GraphFiles.Load(edges, features, labels);
        Assert.Equal(4, graph.NodeCount);
        Assert.Equal(6, graph.EdgeCount); // three undirected edges
        Assert.Equal(2, graph.ClassCount);
        Assert.Equal(-0.2f, graph.Features[7]);
        Assert.Equal(3, graph.Split[2]); // unlabelled: in no split
        Assert.Equal([0, 2], graph.InNeighboursOf(1).ToArray());
    }

    [Fact]
    public void NpyRoundTrips()
    {
        var path = Path.Combine(_dir, "m.npy");
        NpyFile.Write(path, [1.5f, -2f, 3f, 4f, 5f, 6f], 2, 3);
        var (values, shape) = NpyFile.Read(path);
        Assert.Equal([2, 3], shape);
        Assert.Equal([1.5, -2, 3, 4, 5, 6], values);
        Assert.Equal(0, (new FileInfo(path).Length - 24) % 64); // data starts on a 64-byte boundary
    }

    [Theory]
    [InlineData("edges.csv", "0,1\n1,x\n", "edges.csv: line 2: '1,x' is not two integer node ids")]
    [InlineData("edges.csv", "0,1\n1,9\n", "edges.csv: line 2: edge 1 → 9 names a node outside [0, 3)")]
    [InlineData("edges.csv", "0,1,2\n", "edges.csv: line 1: '0,1,2' has 3 fields")]
    [InlineData("features.csv", "1,0\n0\n1,1\n", "features.csv: line 2: 1 fields; the rows above have 2")]
    [InlineData("features.csv", "1,0\n0,nan\n1,1\n", "features.csv: line 2: field 2 'nan' is not a finite number")]
    [InlineData("labels.csv", "0\n1.5\n1\n", "labels.csv: line 2: label 1.5 is not a class number")]
    [InlineData("labels.csv", "0\n1\n", "labels.csv: 2 label rows for the 3 nodes")]
    public void BadFilesNameFileAndLine(string file, string content, string expected)
    {
        var paths = new Dictionary<string, string>
        {
            ["edges.csv"] = "0,1\n1,2\n",
            ["features.csv"] = "1,0\n0,1\n1,1\n",
            ["labels.csv"] = "0\n1\n1\n",
        };
        paths[file] = content;
        foreach (var (name, text) in paths)
        {
            Write(name, text);
        }

        var error = Assert.Throws<GcnDataException>(() => GraphFiles.Load(Path.Combine(_dir, "edges.csv"), Path.Combine(_dir, "features.csv"), Path.Combine(_dir, "labels.csv")));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith(_dir, error.Message);
    }

    [Fact]
    public void BadNpyNamesOffset()
    {
        var path = Path.Combine(_dir, "features.npy");
        NpyFile.Write(path, [1f, 2f, 3f, 4f], 2, 2);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        var error = Assert.Throws<GcnDataException>(() => NpyFile.Read(path));
        Assert.Equal($"{path}: offset 128: shape (2, 2) of <f4 needs 16 bytes of data; the file has 13", error.Message);
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        Assert.Contains("offset 0: not a .npy file", Assert.Throws<GcnDataException>(() => NpyFile.Read(path)).Message);

        // Version 2 with a header length of 2^32 - 1 (read as an int it was negative, taken as fitting, and crashed).
        File.WriteAllBytes(path, [0x93, .. "NUMPY"u8, 2, 0, 0xff, 0xff, 0xff, 0xff, .. "{'descr': '<f4', 'shape': (1,)}"u8]);
        Assert.Equal($"{path}: offset 12: header of 4294967295 bytes runs past the end of the file (43 bytes)", Assert.Throws<GcnDataException>(() => NpyFile.Read(path)).Message);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
