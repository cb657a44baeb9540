using System.Diagnostics;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Testing;

namespace Orrery.Pca.Tests.Support;

/// <summary>An Orleans client of a <see cref="ProcessCluster"/>'s silos, once each of them sees every live silo active.</summary>
public static class OrleansConnection
{
    public static async Task<OrleansClientConnection> ConnectAsync(ProcessCluster cluster)
    {
        var orleans = await cluster.ConnectOrleansAsync();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var views = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => orleans.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync()));
                if (views.All(v => v.Length == cluster.Silos.Count(s => !s.HasExited)))
                {
                    return orleans;
                }
            }
            catch (OrleansException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // A gateway that became Active a moment ago may refuse the first calls.
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                await orleans.DisposeAsync();
                throw new TimeoutException("the silos' Orleans membership did not show every silo active within 30 s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The Orleans address of the silo named <paramref name="name"/>.</summary>
    public static async Task<SiloAddress> AddressOfAsync(Orleans.IClusterClient client, string name) =>
        (await client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync()).Single(s => s.Name == name).Address;
}
