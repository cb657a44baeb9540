using Orrery.Experiments;

namespace Orrery.Workloads;

/// <summary>
/// Every workload Orrery's hosts carry, in one list: the silo process and the embedded cluster configure their silos
/// and meters from it, and <c>orrery run</c> finds the runner of a spec's <c>kind</c> in it. A new workload is one
/// line here (and a project reference).
/// </summary>
public static class Workloads
{
    /// <summary>The workloads.</summary>
    public static IReadOnlyList<IWorkload> All { get; } =
    [
        new Orrery.Diagnostics.DiagnosticsWorkload(),
        new Orrery.MetricGraphs.SamplingWorkload(),
        new Orrery.Pca.PcaWorkload(),
        new Orrery.Gcn.GcnWorkload(),
    ];

    /// <summary>The experiment runners of the workloads that have one.</summary>
    public static IReadOnlyList<IExperimentRunner> Runners { get; } = [.. All.Select(w => w.Runner).OfType<IExperimentRunner>()];
}
