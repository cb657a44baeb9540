using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;

namespace Orrery.Cluster.Placement;

/// <summary>
/// The devices a job's device preference allows on a list of silos, one rule for every workload (sampling's ensembles,
/// GCN's parts): <c>any</c> takes each GPU of a silo that offers GPUs and the CPU of a silo that offers none, <c>cpu</c>
/// every silo's CPU, <c>gpu</c> every GPU. Silos in the order given, a silo's GPUs in the order it lists them.
/// </summary>
public static class PreferredDevices
{
    /// <summary>The allowed devices of <paramref name="silos"/>: the silo, the device's name ("cpu", "cuda:0", ...) and whether it is a GPU.</summary>
    public static IEnumerable<(ClusterSiloInfo Silo, string Device, bool IsGpu)> Of(IEnumerable<ClusterSiloInfo> silos, DevicePreference preference)
    {
        ArgumentNullException.ThrowIfNull(silos);
        foreach (var silo in silos)
        {
            var useGpus = preference switch
            {
                DevicePreference.Cpu => false,
                DevicePreference.Gpu => true,
                _ => silo.GpuDevices.Count > 0,
            };
            if (useGpus)
            {
                foreach (var gpu in silo.GpuDevices)
                {
                    yield return (silo, gpu, true);
                }
            }
            else
            {
                yield return (silo, "cpu", false);
            }
        }
    }
}
