using System.Diagnostics.Metrics;
using Orrery.Compute;
using Orrery.Experiments;
using Orrery.MetricGraphs.Experiments;
using Orrery.MetricGraphs.Grains;

namespace Orrery.MetricGraphs;

/// <summary>Sampling on metric graphs: <see cref="ParticleEnsembleGrain"/> and <see cref="SamplingCoordinatorGrain"/> grains, <c>kind: sampling</c>.</summary>
public sealed class SamplingWorkload : IWorkload
{
    /// <inheritdoc />
    public string Name => "sampling";

    /// <inheritdoc />
    public IExperimentRunner Runner { get; } = new SamplingRunner();

    /// <inheritdoc />
    public void CreateSiloMeters(IMeterFactory meterFactory, DeviceDiscovery devices) => SamplingMetrics.CreateForSilo(meterFactory, devices);
}
