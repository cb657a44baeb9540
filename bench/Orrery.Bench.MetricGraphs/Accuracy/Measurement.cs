using Orrery.Contracts.MetricGraphs;

namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// One run of a problem at one dt with one boundary scheme: its cost and, per observable of the problem, the
/// estimate, its standard error, and the error against the reference with its standard error on the same scale.
/// </summary>
internal sealed record Measurement(string Problem, BoundaryScheme Boundary, double TimeStep, long Particles, long ParticleSteps, double Seconds,
    long Exited, IReadOnlyList<(double Estimate, double StandardError, double Error, double ErrorStandardError)> Values)
{
    /// <summary>Particle-steps per second of the whole run (placement and merging included).</summary>
    public double Rate => ParticleSteps / Seconds;
}
