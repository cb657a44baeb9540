using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;
using Orrery.Cluster.Silos;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>An in-process Orleans cluster (Orleans's TestingHost) whose silos run Orrery's placement and tensor channel.</summary>
internal static class OrleansTestCluster
{
    /// <summary>
    /// Starts one silo per entry of <paramref name="gpus"/> (its GPU count); silo i offers <paramref name="cores"/>[i] cores
    /// (default 2); <paramref name="configure"/> adds to every silo.
    /// </summary>
    public static async Task<InProcessTestCluster> StartAsync(int[] gpus, int[]? cores = null, Action<Orleans.Hosting.ISiloBuilder>? configure = null)
    {
        var builder = new InProcessTestClusterBuilder((short)gpus.Length);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((options, silo) =>
        {
            var index = int.Parse(options.SiloName.AsSpan(options.SiloName.LastIndexOf('_') + 1), CultureInfo.InvariantCulture);
            silo.AddOrreryPlacement(gpus[index], cores?[index] ?? 2);
            silo.AddTensorChannel(o =>
            {
                o.Secret = "orleans-test-secret";
                o.BindAddress = "127.0.0.1";
                o.Port = 0;
                o.ConnectTimeout = TimeSpan.FromSeconds(2);
                o.TransferTimeout = TimeSpan.FromSeconds(20);
            });
            configure?.Invoke(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await WaitForMetadataAsync(cluster);
        return cluster;
    }

    /// <summary>
    /// Waits until every silo's metadata cache holds every silo's metadata. Each silo fetches its peers' metadata after
    /// it sees them join; until then placement reads no GPUs or cores for them (on a loaded machine, long enough for a
    /// test's first 400 placements to miss a peer's GPUs).
    /// </summary>
    public static async Task WaitForMetadataAsync(InProcessTestCluster cluster)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var addresses = cluster.Silos.Select(s => s.SiloAddress).ToArray();
        while (!cluster.Silos.OfType<InProcessSiloHandle>().All(silo =>
                   addresses.All(a => silo.ServiceProvider.GetRequiredService<ISiloMetadataCache>().GetSiloMetadata(a).Metadata.Count > 0)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the silos' metadata caches did not fill within 30 s");
            }

            await Task.Delay(50);
        }
    }
}
