using System.Reflection;

namespace Orrery.MetricGraphs.Grains;

/// <summary>Handle for registering the metric-graph grains (<see cref="ParticleEnsemble"/>, <see cref="SamplingCoordinator"/>) with a silo.</summary>
public static class MetricGraphsAssembly
{
    /// <summary>The assembly holding the grain classes.</summary>
    public static Assembly Assembly => typeof(MetricGraphsAssembly).Assembly;
}
