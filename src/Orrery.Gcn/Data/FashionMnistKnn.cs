using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Orrery.Compute.Cpu;
using Orrery.Experiments.Data;
using Orrery.Gcn.Graphs;

namespace Orrery.Gcn.Data;

/// <summary>
/// A k-nearest-neighbour graph over Fashion-MNIST (Debian <c>dataset-fashion-mnist</c>): one node per image, 784
/// features (pixels / 255), 10 classes. Each image is joined both ways to the <see cref="Neighbours"/> images
/// nearest in pixel space (exact squared Euclidean distance on the integer pixels, ties to the lower index; see
/// <see cref="NearestNeighbours"/>). <see cref="Images"/> below 70,000 takes the first images of each official split
/// in the proportion 6 : 1. Split: the official test images are the test nodes; of the training images the last
/// twelfth (5,000 of 60,000) validate and the rest train.
/// The neighbour lists cost about 8 TFLOP for all 70,000 images (a minute or two with OpenBLAS on two cores), so they
/// are kept in <see cref="CacheDirectory"/>, keyed by the image count, k and the data files' sizes and write times.
/// </summary>
/// <param name="Images">Number of images (nodes), 2 to 70,000.</param>
/// <param name="Neighbours">k: neighbours per image.</param>
/// <param name="Directory">Where the four IDX files are.</param>
public sealed record FashionMnistKnn(int Images = FashionMnistKnn.AllImages, int Neighbours = 10, string Directory = FashionMnistKnn.DefaultDirectory)
{
    /// <summary>Where the Debian package puts the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Training plus test images.</summary>
    public const int AllImages = TrainImages + TestImages;

    /// <summary>The official training split.</summary>
    public const int TrainImages = 60_000;

    /// <summary>The official test split.</summary>
    public const int TestImages = 10_000;

    /// <summary>Classes (garment kinds).</summary>
    public const int Classes = 10;

    /// <summary>The neighbour-list cache: <c>ORRERY_CACHE_DIR</c>, or <c>orrery-cache</c> in the temporary folder.</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("ORRERY_CACHE_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "orrery-cache");

    /// <summary>Images taken from the official training split.</summary>
    public int TrainNodes => Math.Min(TrainImages, (int)Math.Round(Images * (double)TrainImages / AllImages));

    /// <summary>Images taken from the official test split.</summary>
    public int TestNodes => Images - TrainNodes;

    /// <summary>Checks the values; the message names the field.</summary>
    public void Validate()
    {
        if (Images < 2 || Images > AllImages)
        {
            throw new ArgumentException($"data.images is {Images}; it must be in [2, {AllImages}]");
        }

        if (Neighbours < 1 || Neighbours >= Images)
        {
            throw new ArgumentException($"data.k is {Neighbours}; it must be in [1, images - 1] = [1, {Images - 1}]");
        }

        if (TestNodes > TestImages)
        {
            throw new ArgumentException($"data.images is {Images}; the split needs {TestNodes} test images and there are {TestImages}");
        }
    }

    /// <summary>Reads the images, finds (or reads back from <see cref="CacheDirectory"/>) the neighbour lists and builds the graph.</summary>
    public GcnGraph Generate() => Generate(CacheDirectory);

    /// <summary>As <see cref="Generate()"/>, with the neighbour lists cached in <paramref name="cacheDirectory"/>.</summary>
    internal GcnGraph Generate(string cacheDirectory)
    {
        Validate();
        var files = Files();
        var (pixels, columns) = ReadImages(files[0], files[2]);
        var labels = ReadLabels(files[1], files[3]);
        var neighbours = LoadOrFindNeighbours(files, pixels, columns, cacheDirectory);

        var edges = new List<(int Source, int Target)>(Images * Neighbours * 2);
        for (var v = 0; v < Images; v++)
        {
            for (var i = 0; i < Neighbours; i++)
            {
                var u = neighbours[v * Neighbours + i];
                edges.Add((u, v));
                edges.Add((v, u));
            }
        }

        var features = new float[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            features[i] = pixels[i] / 255f;
        }

        var targets = new float[Images * Classes];
        var split = new byte[Images];
        var validationFrom = TrainNodes - (TrainNodes / 12);
        for (var v = 0; v < Images; v++)
        {
            targets[v * Classes + labels[v]] = 1f;
            split[v] = v >= TrainNodes ? (byte)2 : v >= validationFrom ? (byte)1 : (byte)0;
        }

        return new GcnGraph(Images, edges, features, columns, targets, Classes, multiLabel: false, split);
    }

    /// <summary>The neighbour lists of the images in <see cref="Generate()"/>'s node order (row-major, nodes × k), from the cache when it has them.</summary>
    internal int[] LoadOrFindNeighbours(string[] files, byte[] pixels, int columns, string cacheDirectory)
    {
        var stamp = string.Join("-", files.Select(f => $"{new FileInfo(f).Length:x}{File.GetLastWriteTimeUtc(f).Ticks:x}"));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stamp)))[..16];
        var cache = Path.Combine(cacheDirectory, $"fashion-mnist-knn-n{Images}-k{Neighbours}-{hash}.bin");
        var expected = (long)Images * Neighbours * sizeof(int);
        if (File.Exists(cache) && new FileInfo(cache).Length == expected)
        {
            var bytes = File.ReadAllBytes(cache);
            var cached = new int[Images * Neighbours];
            for (var i = 0; i < cached.Length; i++)
            {
                cached[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 4));
            }

            if (cached.All(u => (uint)u < (uint)Images))
            {
                return cached;
            }
        }

        using var device = new CpuDevice();
        var neighbours = NearestNeighbours.Find(device, pixels, Images, columns, Neighbours);
        TryWriteCache(cache, neighbours);
        return neighbours;
    }

    /// <summary>The four files (train images, train labels, test images, test labels), checked to exist.</summary>
    internal string[] Files()
    {
        var files = new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" }
            .Select(name => Path.Combine(Directory, name))
            .ToArray();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new GcnDataException($"{file}: not found (data.source fashion-mnist reads the IDX files of Debian's dataset-fashion-mnist: apt-get install dataset-fashion-mnist, or set data.directory)");
            }
        }

        return files;
    }

    private static void TryWriteCache(string cache, int[] neighbours)
    {
        // Written beside its final name and moved into place, so a reader in another silo process sees all or nothing.
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
            var bytes = new byte[neighbours.Length * 4];
            for (var i = 0; i < neighbours.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), neighbours[i]);
            }

            var temporary = $"{cache}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, cache, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No cache: the next run finds the neighbours again.
        }
    }

    /// <summary>The pixels of the graph's images in node order (row-major, images × 784) and the row width.</summary>
    internal (byte[] Pixels, int Columns) ReadImages() => ReadImages(Files()[0], Files()[2]);

    private (byte[] Pixels, int Columns) ReadImages(string trainFile, string testFile)
    {
        var train = Read(trainFile, TrainNodes);
        var test = TestNodes > 0 ? Read(testFile, TestNodes) : null;
        if (test is not null && test.Columns != train.Columns)
        {
            throw new GcnDataException($"{testFile}: images of {test.Columns} pixels; {trainFile} has {train.Columns}");
        }

        var pixels = new byte[(long)Images * train.Columns];
        var at = 0;
        foreach (var (file, part) in test is null ? [(trainFile, train)] : new[] { (trainFile, train), (testFile, test) })
        {
            for (var i = 0; i < part.Values.Length; i++)
            {
                var value = part.Values[i];
                if (value is < 0 or > 255 || value != MathF.Round(value))
                {
                    throw new GcnDataException($"{file}: pixel {i % part.Columns} of image {i / part.Columns} is {value}; Fashion-MNIST pixels are integers 0..255");
                }

                pixels[at++] = (byte)value;
            }
        }

        return (pixels, train.Columns);
    }

    private int[] ReadLabels(string trainFile, string testFile)
    {
        var labels = new int[Images];
        var at = 0;
        foreach (var (file, count) in new[] { (trainFile, TrainNodes), (testFile, TestNodes) })
        {
            if (count == 0)
            {
                continue;
            }

            var part = Read(file, count);
            if (part.Columns != 1)
            {
                throw new GcnDataException($"{file}: {part.Columns} values per row; a label file holds one label per image");
            }

            foreach (var value in part.Values)
            {
                if (value is < 0 or >= Classes || value != MathF.Round(value))
                {
                    throw new GcnDataException($"{file}: label {at} is {value}; labels are integers 0..{Classes - 1}");
                }

                labels[at++] = (int)value;
            }
        }

        return labels;
    }

    private static IdxMatrix Read(string file, int rows)
    {
        try
        {
            var matrix = IdxReader.Read(file, rows);
            return matrix.Rows == rows
                ? matrix
                : throw new GcnDataException($"{file}: {matrix.Rows} rows; {rows} are needed");
        }
        catch (IdxFormatException e)
        {
            throw new GcnDataException(e.Message);
        }
    }
}
