using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Pca;
using Orrery.Pca.Experiments;

namespace Orrery.Bench.Pca;

/// <summary>One PCA job of a timing benchmark: run on the embedded Orleans cluster (the coordinator spreads shards and workers over every silo), vectors saved as .npy.</summary>
internal static class BenchJob
{
    /// <summary>
    /// An embedded Orleans cluster of <paramref name="silos"/> silos computing on <paramref name="device"/>'s devices, whose
    /// calls may take <paramref name="callTimeout"/> (loading Fashion-MNIST or a large file, and an exact truth, take longer
    /// than Orleans's default 30 s on a loaded 2-core machine).
    /// </summary>
    public static Task<OrleansEmbeddedCluster> StartClusterAsync(int silos, BenchDevice device, TimeSpan callTimeout) =>
        OrleansEmbeddedCluster.StartAsync(
            new int[silos],
            (_, silo) =>
            {
                device.Services?.Invoke(silo.Services);
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = callTimeout);
            },
            configureClient: client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = callTimeout));

    /// <summary>Runs <paramref name="request"/> over all of <paramref name="cluster"/>'s silos and writes the vectors to <paramref name="npyPath"/>.</summary>
    public static async Task<(PcaJobResult Result, PcaRoundRecord Last)> RunAsync(
        OrleansEmbeddedCluster cluster, string name, PcaStartRequest request, double sliceSeconds, string npyPath)
    {
        var result = await PcaJob.RunAsync(cluster.Client, $"{name}-{Guid.NewGuid():N}", request, sliceSeconds: sliceSeconds);
        PcaOutputFiles.WriteNpy(npyPath, result.Vectors);
        return (result, result.Result.History[^1]);
    }
}
