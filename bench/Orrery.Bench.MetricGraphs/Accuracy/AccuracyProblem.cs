using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// A graph, a start and the quantities measured on it with their references. Particles run for
/// <paramref name="Horizon"/> time units (long enough that every particle exits: checked per run), with occupation
/// sampled after every step where <paramref name="SampleOccupation"/> (else once, at the end); with
/// <paramref name="Stationary"/> particles never exit, and occupation is sampled after every step in two windows, the
/// second (the last half of the horizon) being the one measured.
/// <paramref name="BridgeOrder"/>: the order in dt expected of the bridge scheme's bias (1: absorbing ends and junctions
/// are both bridge-tested), which sets how many particles its runs get; the step scheme's is 1/2.
/// <paramref name="Lifetime"/>: a particle's mean time on the graph (its mean exit time; the horizon when it never exits),
/// for the cost cap of <see cref="AccuracySettings.ParticlesFor"/>.
/// </summary>
internal sealed record AccuracyProblem(string Name, string Description, MetricGraph Graph, InitialCondition Initial, double Horizon,
    bool SampleOccupation, double BridgeOrder, IReadOnlyList<Observable> Observables, bool Stationary = false, double Lifetime = 0)
{
    /// <summary>The time a particle spends on the graph on average, for cost estimates.</summary>
    public double CostTime => Lifetime > 0 ? Lifetime : Horizon;

    /// <summary>The expected order of <paramref name="boundary"/>'s bias on this problem.</summary>
    public double ExpectedOrder(BoundaryScheme boundary) => boundary == BoundaryScheme.Bridge ? BridgeOrder : 0.5;
}
