namespace Orrery.Diagnostics;

/// <summary>What one <see cref="LoadDriver"/> run measured.</summary>
/// <param name="Calls">Calls made, failed ones included.</param>
/// <param name="Seconds">Wall time from the first call scheduled to the last one answered.</param>
/// <param name="LatenciesUs">Latency of every call in microseconds, sorted ascending.</param>
/// <param name="Errors">Calls that threw.</param>
/// <param name="FirstError">Message of the first call that threw; empty when none did.</param>
public sealed record LoadMeasurement(int Calls, double Seconds, double[] LatenciesUs, int Errors, string FirstError)
{
    /// <summary>Calls per second over the whole run.</summary>
    public double CallsPerSecond => Calls / Seconds;

    /// <summary>The latency below which a fraction <paramref name="q"/> of the calls finished (nearest rank).</summary>
    public double PercentileUs(double q) =>
        LatenciesUs[Math.Clamp((int)Math.Ceiling(q * LatenciesUs.Length) - 1, 0, LatenciesUs.Length - 1)];
}
