using Orrery.Contracts.MetricGraphs;

namespace Orrery.MetricGraphs.Tests.Sampling;

/// <summary>
/// The closed forms of specs/metric-graphs.md with modest particle counts (each test a few seconds on two
/// cores). Tolerances and their derivations are in <see cref="ClosedFormChecks"/>.
/// </summary>
public sealed class ClosedFormTests
{
    [Fact]
    public void StationaryOccupationWithoutDriftIsProportionalToWeightTimesLength() => ClosedFormChecks.StationaryOccupationWithoutDrift(20_000, 4e-3f);

    [Fact]
    public void StationaryOccupationWithAPotentialUsesTheBoltzmannIntegral() => ClosedFormChecks.StationaryOccupationWithPotential(10_000, 2e-3f);

    [Fact]
    public void LinearPotentialGivesExponentialDensities() => ClosedFormChecks.LinearPotentialDensity(5_000, 1e-3f);

    [Fact]
    public void LinearPotentialGivesExponentialDensitiesWithTheStepScheme() => ClosedFormChecks.LinearPotentialDensity(5_000, 1e-3f, BoundaryScheme.Step);

    [Fact]
    public void QuadraticPotentialGivesGaussianDensities() => ClosedFormChecks.QuadraticPotentialDensity(10_000, 2e-3f);

    [Fact]
    public void ExitEdgeWithEqualLengthsIsTheJumpWeight() => ClosedFormChecks.ExitEdgeWithEqualLengthsIsTheJumpWeight(20_000, 1e-3f);

    [Fact]
    public void ExitEdgeAndMeanExitTimeFromTheCentreWithUnequalLengths() => ClosedFormChecks.ExitFromTheCentreWithUnequalLengths(10_000, 2e-3f);

    [Fact]
    public void ExitEdgeAndMeanExitTimeFromTheCentreWithUnequalLengthsWithTheStepScheme() => ClosedFormChecks.ExitFromTheCentreWithUnequalLengths(10_000, 2.5e-4f, BoundaryScheme.Step);

    [Fact]
    public void ExitEdgeFromAPointOnAnEdge() => ClosedFormChecks.ExitFromAPointOnAnEdge(10_000, 1e-3f);

    [Fact]
    public void ExitEdgeFromAPointOnAnEdgeWithTheStepScheme() => ClosedFormChecks.ExitFromAPointOnAnEdge(10_000, 1e-3f, BoundaryScheme.Step);

    [Fact]
    public void MeanExitTimeWithEqualLengthsIsLSquaredOverTwoD() => ClosedFormChecks.MeanExitTimeWithEqualLengths(10_000, 1e-3f);

    [Fact]
    public void TheBridgeTestRemovesTheSqrtDtBiasOfAbsorbingEnds()
    {
        // At dt = 4e-3 the step scheme is +0.074 off (Broadie-Glasserman-Kou: (L + 0.58 sigma sqrt(dt))^2 / (2D) - 1),
        // outside the bridge's tolerance (5 standard errors, about 0.04 with 10^4 particles, plus dt); the bridge is inside.
        ClosedFormChecks.MeanExitTimeWithEqualLengthsByTheBridge(10_000, 4e-3f);
        var (stepError, tolerance) = ClosedFormChecks.MeanExitTimeWithEqualLengthsByTheBridge(10_000, 4e-3f, BoundaryScheme.Step);
        Assert.True(stepError > tolerance, $"the step scheme's error {stepError} should exceed the bridge's tolerance {tolerance}");
    }

    [Fact]
    public void WalshHeatKernelOnLongEdges() => ClosedFormChecks.WalshHeatKernel(40_000, 1e-3f);

    [Fact]
    public void WalshHeatKernelOnLongEdgesWithTheStepScheme() => ClosedFormChecks.WalshHeatKernel(40_000, 1e-3f, BoundaryScheme.Step);

    [Fact]
    public void TheBridgeRemovesTheSqrtDtBiasOfJunctionPassage()
    {
        // The Walsh heat kernel at dt = 0.01: with step the first visit to the centre is seen late (a vertex effectively
        // 0.58 sigma sqrt(dt) further away), which moves about 0.026 of mass on edge 0, outside the bridge's tolerance
        // (5 standard errors, about 0.012 with 4e4 particles, plus 0.05 dt); the bridge is inside.
        ClosedFormChecks.WalshHeatKernel(40_000, 1e-2f);
        var (stepError, tolerance) = ClosedFormChecks.WalshHeatKernel(40_000, 1e-2f, BoundaryScheme.Step);
        Assert.True(stepError > tolerance, $"the step scheme's error {stepError} should exceed the bridge's tolerance {tolerance}");
    }

    [Fact]
    public void CycleWithoutPotentialOccupiesEdgesByWeightTimesLength() => ClosedFormChecks.CycleStationaryOccupation(10_000, 4e-3f, withPotential: false);

    [Fact]
    public void CycleWithPotentialFollowsTheBoltzmannDensity() => ClosedFormChecks.CycleStationaryOccupation(10_000, 2.5e-3f, withPotential: true);

    [Fact]
    public void CycleWithPotentialFollowsTheBoltzmannDensityWithTheStepScheme() => ClosedFormChecks.CycleStationaryOccupation(10_000, 2.5e-3f, withPotential: true, BoundaryScheme.Step);
}
