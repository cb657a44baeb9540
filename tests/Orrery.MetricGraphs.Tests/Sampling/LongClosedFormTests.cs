using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;

namespace Orrery.MetricGraphs.Tests.Sampling;

/// <summary>
/// The closed-form checks with 16 times the particles (standard errors 4 times smaller, so the bias
/// allowances carry more of the tolerance), and the order of the bias. Minutes on two cores; CI skips them.
/// </summary>
[Trait("Category", "Long")]
public sealed class LongClosedFormTests
{
    [Fact]
    public void StationaryOccupationWithoutDrift() => ClosedFormChecks.StationaryOccupationWithoutDrift(320_000, 4e-3f);

    [Fact]
    public void StationaryOccupationWithPotential() => ClosedFormChecks.StationaryOccupationWithPotential(160_000, 2e-3f);

    [Fact]
    public void LinearPotentialDensity() => ClosedFormChecks.LinearPotentialDensity(80_000, 1e-3f);

    [Fact]
    public void QuadraticPotentialDensity() => ClosedFormChecks.QuadraticPotentialDensity(160_000, 2e-3f);

    [Fact]
    public void ExitEdgeWithEqualLengths() => ClosedFormChecks.ExitEdgeWithEqualLengthsIsTheJumpWeight(320_000, 1e-3f);

    [Fact]
    public void ExitFromTheCentreWithUnequalLengths() => ClosedFormChecks.ExitFromTheCentreWithUnequalLengths(160_000, 2e-3f);

    [Fact]
    public void ExitFromTheCentreWithUnequalLengthsWithTheStepScheme() => ClosedFormChecks.ExitFromTheCentreWithUnequalLengths(160_000, 2.5e-4f, Orrery.Contracts.MetricGraphs.BoundaryScheme.Step);

    [Fact]
    public void ExitFromAPoint() => ClosedFormChecks.ExitFromAPointOnAnEdge(160_000, 1e-3f);

    [Fact]
    public void MeanExitTimeWithEqualLengths() => ClosedFormChecks.MeanExitTimeWithEqualLengths(160_000, 1e-3f);

    [Fact]
    public void WalshHeatKernel() => ClosedFormChecks.WalshHeatKernel(640_000, 1e-3f);

    [Fact]
    public void CycleWithoutPotential() => ClosedFormChecks.CycleStationaryOccupation(160_000, 4e-3f, withPotential: false);

    [Fact]
    public void CycleWithPotential() => ClosedFormChecks.CycleStationaryOccupation(160_000, 2.5e-3f, withPotential: true);

    [Fact]
    public void TheExitTimeBiasShrinksLikeTheSquareRootOfTheTimeStep()
    {
        // E[exit] - L^2/(2D) ~ beta sigma sqrt(dt) L / D (Broadie-Glasserman-Kou): a quarter of the step halves it.
        // An O(dt) error would quarter it. With 160,000 particles the standard error of each bias is about 0.002
        // against biases of 0.037 and 0.019, so the ratio is 1.95 +- 0.25; accept [1.4, 2.8].
        var graph = MetricGraphGenerators.Star(3, 1.0, 1.0, VertexKind.Absorbing);
        double Bias(float dt) => new MetricGraphSampler(graph, new SamplingOptions { Seed = 9, TimeStep = dt, Steps = (long)(16 / dt), Boundary = Orrery.Contracts.MetricGraphs.BoundaryScheme.Step })
            .Run(0, 160_000, InitialCondition.AtVertex(graph.VertexIndex("c"))).MeanExitTime - 1.0;
        var ratio = Bias(1e-3f) / Bias(2.5e-4f);
        Assert.InRange(ratio, 1.4, 2.8);
    }
}
