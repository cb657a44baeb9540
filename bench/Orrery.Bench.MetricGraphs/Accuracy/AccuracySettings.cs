using System.Globalization;

namespace Orrery.Bench.MetricGraphs.Accuracy;

/// <summary>
/// Settings of <c>--mode accuracy</c>. Particles per run: a series whose bias is expected to be first order in dt
/// (the star with <c>bridge</c>) gets <paramref name="MaxParticles"/> at every dt, since its bias is small and its runs at
/// large dt are cheap; one expected to be of order sqrt(dt) gets N(dt) = <paramref name="HalfOrderConstant"/> / dt clamped
/// to [<paramref name="MinParticles"/>, <paramref name="MaxParticles"/>], which keeps the Monte Carlo error (~ 1 / sqrt N) a
/// fixed fraction of a bias c sqrt(dt).
/// </summary>
internal sealed record AccuracySettings(double[] TimeSteps, double HalfOrderConstant, int MinParticles, int MaxParticles,
    double TargetError, int Threads, ulong Seed, string OutputDirectory)
{
    /// <summary>Reads --dts (comma-separated), --half-order-constant, --min-particles, --max-particles, --target, --threads, --seed, --out.</summary>
    public static AccuracySettings Parse(IReadOnlyDictionary<string, string> values)
    {
        string Get(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;
        double Number(string key, string fallback) => double.Parse(Get(key, fallback), CultureInfo.InvariantCulture);
        return new AccuracySettings(
            Get("dts", "0.08,0.04,0.02,0.01,0.005,0.0025").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            Number("half-order-constant", "2500"),
            (int)Number("min-particles", "100000"),
            (int)Number("max-particles", "16000000"),
            Number("target", "1e-3"),
            (int)Number("threads", "-1"),
            ulong.Parse(Get("seed", "2026"), CultureInfo.InvariantCulture),
            Get("out", "bench/out/accuracy"));
    }

    /// <summary>N(dt) of the class summary for a series whose bias is expected to be of order dt^<paramref name="order"/> (1 or 1/2).</summary>
    public int ParticlesFor(double timeStep, double order) =>
        order >= 1 ? MaxParticles : (int)Math.Clamp(Math.Round(HalfOrderConstant / timeStep), MinParticles, MaxParticles);
}
