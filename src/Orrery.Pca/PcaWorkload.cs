using System.Diagnostics.Metrics;
using Orrery.Compute;
using Orrery.Experiments;
using Orrery.Pca.Experiments;
using Orrery.Pca.Grains;

namespace Orrery.Pca;

/// <summary>Parallel-deflation PCA: data shard, deflation worker and coordinator grains, <c>kind: pca</c>.</summary>
public sealed class PcaWorkload : IWorkload
{
    /// <inheritdoc />
    public string Name => "pca";

    /// <inheritdoc />
    public IExperimentRunner Runner { get; } = new PcaExperimentRunner();

    /// <inheritdoc />
    public void CreateSiloMeters(IMeterFactory meterFactory, DeviceDiscovery devices) => PcaSiloMetrics.CreateForSilo(meterFactory);
}
