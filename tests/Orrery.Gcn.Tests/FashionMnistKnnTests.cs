using Orrery.Experiments;
using Orrery.Gcn.Data;
using Orrery.Gcn.Experiments;
using Xunit.Abstractions;

namespace Orrery.Gcn.Tests;

/// <summary>The k-nearest-neighbour graph over Fashion-MNIST (scripts/test.sh installs dataset-fashion-mnist).</summary>
public sealed class FashionMnistKnnTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("orrery-knn-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    /// <summary>
    /// The neighbour lists equal a brute-force search in exact integer arithmetic over the same 1,400 images (ties to
    /// the lower index): the float32 GEMM only proposes candidates, so there is no tolerance. Nodes are the first 1,200
    /// training and first 200 test images; the split is 1,100 / 100 / 200.
    /// </summary>
    [Fact]
    public void NeighboursAreTheExactNearestImagesAndTheSplitFollowsTheOfficialOne()
    {
        var knn = new FashionMnistKnn(Images: 1400, Neighbours: 6);
        var (pixels, columns) = knn.ReadImages();
        Assert.Equal(784, columns);
        var found = knn.LoadOrFindNeighbours(knn.Files(), pixels, columns, _cache);

        for (var v = 0; v < knn.Images; v++)
        {
            var exact = Enumerable.Range(0, knn.Images).Where(u => u != v)
                .Select(u => (Distance: Distance(pixels, columns, v, u), Id: u))
                .Order()
                .Take(knn.Neighbours)
                .Select(p => p.Id);
            Assert.Equal(exact, found.AsSpan(v * knn.Neighbours, knn.Neighbours).ToArray());
        }

        var graph = knn.Generate(_cache);
        Assert.Equal((1400, 784, 10), (graph.NodeCount, graph.FeatureCount, graph.ClassCount));
        Assert.Equal([1100, 100, 200], Enumerable.Range(0, 3).Select(s => graph.Split.Count(x => x == s)));
        Assert.All(graph.Features, x => Assert.InRange(x, 0f, 1f));
        Assert.Equal(pixels[1399 * 784 + 400] / 255f, graph.Features[1399 * 784 + 400]);
    }

    /// <summary>
    /// Neighbours in pixel space mostly share the garment class (the graph carries the label signal a GCN uses):
    /// with k = 10 over 7,000 images, more than 70% of the neighbour pairs agree (a 1-NN classifier on all of
    /// Fashion-MNIST is right about 85% of the time; fewer images make neighbours farther). Every node has at least
    /// k in-neighbours (the graph joins neighbours both ways).
    /// </summary>
    [Fact]
    public void NeighboursMostlyShareTheClass()
    {
        var graph = new FashionMnistKnn(Images: 7000, Neighbours: 10).Generate(_cache);
        var agree = 0L;
        var pairs = 0L;
        for (var v = 0; v < graph.NodeCount; v++)
        {
            var label = graph.Targets.AsSpan(v * 10, 10).IndexOf(1f);
            var inNeighbours = graph.InNeighboursOf(v).ToArray();
            Assert.True(inNeighbours.Length >= 10, $"node {v} has {inNeighbours.Length} in-neighbours");
            foreach (var u in inNeighbours)
            {
                agree += graph.Targets[u * 10 + label] == 1f ? 1 : 0;
                pairs++;
            }
        }

        output.WriteLine($"{agree} of {pairs} neighbour pairs share the class ({(double)agree / pairs:P1})");
        Assert.True(agree > 0.7 * pairs, $"{agree} of {pairs}");
    }

    /// <summary>The second build reads the cached lists; a cache file of the wrong size is ignored and rewritten.</summary>
    [Fact]
    public void TheNeighbourListsAreCachedAndABrokenCacheIsIgnored()
    {
        var knn = new FashionMnistKnn(Images: 500, Neighbours: 5);
        var first = knn.Generate(_cache);
        var file = Assert.Single(Directory.GetFiles(_cache, "fashion-mnist-knn-n500-k5-*.bin"));
        Assert.Equal(500 * 5 * 4, new FileInfo(file).Length);
        File.WriteAllBytes(file, new byte[12]);
        var again = knn.Generate(_cache);
        Assert.Equal(500 * 5 * 4, new FileInfo(file).Length);
        var cached = knn.Generate(_cache);
        for (var v = 0; v < 500; v++)
        {
            Assert.Equal(first.InNeighboursOf(v).ToArray(), again.InNeighboursOf(v).ToArray());
            Assert.Equal(first.InNeighboursOf(v).ToArray(), cached.InNeighboursOf(v).ToArray());
        }
    }

    /// <summary>A spec naming a missing folder or too many images fails at parse time with the field and the file.</summary>
    [Fact]
    public void BadFashionMnistSpecsNameTheFieldOrTheFile()
    {
        var missing = Path.Combine(_cache, "nowhere");
        var error = Assert.Throws<ExperimentSpecException>(() => Parse($"data: {{ source: fashion-mnist, directory: {missing} }}"));
        Assert.Contains(Path.Combine(missing, "train-images-idx3-ubyte.gz") + ": not found", error.Message);
        error = Assert.Throws<ExperimentSpecException>(() => Parse("data: { source: fashion-mnist, images: 80000 }"));
        Assert.Contains("images", error.Message);
        error = Assert.Throws<ExperimentSpecException>(() => Parse("data: { source: fashion-mnist, images: 100, k: 100 }"));
        Assert.Contains("k", error.Message);
        var spec = Parse("data: { source: fashion-mnist, images: 700, k: 7 }");
        Assert.Equal(("fashion-mnist", 700, 7), (spec.Request.Source, spec.Request.Nodes, spec.Request.Neighbours));
    }

    private static GcnSpec Parse(string data) =>
        GcnSpec.Parse(ExperimentSpec.Parse($"kind: gcn\n{data}\n", "spec.yaml"));

    private static long Distance(byte[] pixels, int columns, int a, int b)
    {
        var sum = 0L;
        for (var t = 0; t < columns; t++)
        {
            var d = pixels[a * columns + t] - pixels[b * columns + t];
            sum += d * d;
        }

        return sum;
    }
}
