using Orrery.Compute;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>Picks the sampler for a compute device.</summary>
public static class ParticleSamplers
{
    /// <summary>
    /// The sampler that runs <paramref name="graph"/> on <paramref name="device"/>: <see cref="MetricGraphSampler"/>
    /// on the CPU, <see cref="CudaMetricGraphSampler"/> on a CUDA GPU. Both give the same bits.
    /// </summary>
    public static IParticleSampler For(IComputeDevice device, MetricGraph graph, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Kind switch
        {
            DeviceKind.Cpu => new MetricGraphSampler(graph, options),
            DeviceKind.Cuda => new CudaMetricGraphSampler(device, graph, options),
            _ => throw new NotSupportedException($"no metric-graph sampler for {device.Name} ({device.Kind}) yet"),
        };
    }
}
