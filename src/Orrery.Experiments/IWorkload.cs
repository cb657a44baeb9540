using System.Diagnostics.Metrics;
using Orleans.Hosting;
using Orrery.Compute;

namespace Orrery.Experiments;

/// <summary>
/// One workload's registration with Orrery's hosts: its experiment runner for <c>orrery run</c>, the services its
/// grains need on a silo, and its instruments. Orleans finds the grain classes in the workload's assembly; the silo
/// process, the embedded cluster and the client take every workload from one list (<c>Orrery.Workloads</c>), so a
/// new workload plugs in with one line there.
/// </summary>
public interface IWorkload
{
    /// <summary>Short name for logs, such as <c>sampling</c>.</summary>
    string Name { get; }

    /// <summary>The runner of the spec kind this workload serves; null for a workload without one (the diagnostics).</summary>
    IExperimentRunner? Runner { get; }

    /// <summary>Adds what the workload's grains need to a silo beyond what every Orrery silo has (devices, tensor channel, placement).</summary>
    void ConfigureSilo(ISiloBuilder silo)
    {
    }

    /// <summary>
    /// Creates the workload's instruments on a silo process's meter factory at start, the counters at 0, so
    /// <c>/metrics</c> has every name the dashboard and the alerts query before the first job.
    /// </summary>
    void CreateSiloMeters(IMeterFactory meterFactory, DeviceDiscovery devices)
    {
    }
}
