using Orrery.Cluster.Hosting;
using Orrery.Contracts.Pca;
using Orrery.Pca.Experiments;

namespace Orrery.Bench.Pca;

/// <summary>One PCA job of a timing benchmark: run on every silo of the embedded cluster, vectors saved as .npy.</summary>
internal static class BenchJob
{
    /// <summary>Runs <paramref name="request"/> over all of <paramref name="cluster"/>'s silos and writes the vectors to <paramref name="npyPath"/>.</summary>
    public static async Task<(PcaJobResult Result, PcaRoundRecord Last)> RunAsync(
        EmbeddedCluster cluster, string name, PcaStartRequest request, double sliceSeconds, string npyPath)
    {
        request.Silos.AddRange(cluster.Silos.Select(s => s.Name));
        var result = await PcaJob.RunAsync(cluster.Client, $"{name}-{Guid.NewGuid():N}", request, sliceSeconds: sliceSeconds);
        PcaOutputFiles.WriteNpy(npyPath, result.Vectors);
        return (result, result.Result.History[^1]);
    }
}
