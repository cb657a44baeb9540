using System.Globalization;

namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// Settings of <c>--mode accuracy</c>. Particles per run: a series whose bias is expected to be first order in dt
/// (every <c>bridge</c> series) gets N(dt) = <paramref name="FirstOrderConstant"/> / dt^2, one expected to be of order
/// sqrt(dt) (<c>step</c>) N(dt) = <paramref name="HalfOrderConstant"/> / dt: either keeps the Monte Carlo error (~ 1 / sqrt N)
/// a fixed fraction of a bias c dt^order. Both are clamped to [<paramref name="MinParticles"/>, <paramref name="MaxParticles"/>]
/// and to at most <paramref name="MaxParticleSteps"/> / (lifetime / dt), which bounds a run's cost at the smallest dt (where a
/// first-order bias can then fall below 2 standard errors: such points are marked and left out of the fits).
/// </summary>
internal sealed record AccuracySettings(double[] TimeSteps, double HalfOrderConstant, double FirstOrderConstant, int MinParticles, int MaxParticles,
    double MaxParticleSteps, double TargetError, int Threads, ulong Seed, string OutputDirectory, IReadOnlyList<string> Problems)
{
    /// <summary>Reads --dts (comma-separated), --half-order-constant, --first-order-constant, --min-particles, --max-particles, --max-particle-steps, --target, --threads, --seed, --out, --problems (comma-separated: star, graph, stationary; default all).</summary>
    public static AccuracySettings Parse(IReadOnlyDictionary<string, string> values)
    {
        string Get(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;
        double Number(string key, string fallback) => double.Parse(Get(key, fallback), CultureInfo.InvariantCulture);
        return new AccuracySettings(
            Get("dts", "0.08,0.04,0.02,0.01,0.005,0.0025").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            Number("half-order-constant", "2500"),
            Number("first-order-constant", "150"),
            (int)Number("min-particles", "100000"),
            (int)Number("max-particles", "16000000"),
            Number("max-particle-steps", "2e9"),
            Number("target", "1e-3"),
            (int)Number("threads", "-1"),
            ulong.Parse(Get("seed", "2026"), CultureInfo.InvariantCulture),
            Get("out", "bench/out/accuracy"),
            Get("problems", "star,graph,stationary").Split(','));
    }

    /// <summary>N(dt) of the class summary for a series whose bias is expected to be of order dt^<paramref name="order"/> (1 or 1/2), each on the graph for <paramref name="lifetime"/> time units on average.</summary>
    public int ParticlesFor(double timeStep, double order, double lifetime)
    {
        var wanted = order >= 1 ? FirstOrderConstant / (timeStep * timeStep) : HalfOrderConstant / timeStep;
        var affordable = MaxParticleSteps / Math.Ceiling(lifetime / timeStep);
        return (int)Math.Max(MinParticles, Math.Min(Math.Min(wanted, affordable), MaxParticles));
    }
}
