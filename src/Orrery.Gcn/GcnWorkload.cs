using Orrery.Experiments;
using Orrery.Gcn.Experiments;

namespace Orrery.Gcn;

/// <summary>Full-graph GCN training with partition-parallel boundary exchange (vanilla, pipelined, smoothed): <c>kind: gcn</c>.</summary>
public sealed class GcnWorkload : IWorkload
{
    /// <inheritdoc />
    public string Name => "gcn";

    /// <inheritdoc />
    public IExperimentRunner Runner { get; } = new GcnExperimentRunner();
}
