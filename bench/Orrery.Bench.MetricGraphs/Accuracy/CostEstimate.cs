namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// Particle-steps to reach a relative error <paramref name="Target"/> in a problem's mean exit time with each scheme, for
/// <paramref name="Particles"/> particles: each scheme's bias may use <paramref name="BiasAllowance"/> (the target less
/// the Monte Carlo error at 2 standard errors). <paramref name="BridgeRun"/>: the measured bridge run that reached the target,
/// where the study has one (then the bridge's dt, particle-steps and rate are that run's); otherwise every figure comes from
/// the fitted error lines. <paramref name="StepTimeStepHalfPower"/> is the step scheme's dt with the slope held at 1/2 and
/// the prefactor from its smallest measured dt. Rates: particle-steps per second measured at the smallest dt (step) and in
/// the bridge run used.
/// </summary>
internal sealed record CostEstimate(string Problem, double Target, double BiasAllowance, long Particles, ErrorFit StepFit, ErrorFit? BridgeFit,
    double StepTimeStep, double StepTimeStepHalfPower, double BridgeTimeStep, double StepParticleSteps, double StepParticleStepsHalfPower,
    double BridgeParticleSteps, double StepRate, double BridgeRate, Measurement? BridgeRun)
{
    /// <summary>The seconds <paramref name="particleSteps"/> take at <paramref name="rate"/> particle-steps per second.</summary>
    public static double Seconds(double particleSteps, double rate) => particleSteps / rate;
}
