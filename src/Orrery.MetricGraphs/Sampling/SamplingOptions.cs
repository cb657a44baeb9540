using System.Globalization;
using Orrery.Contracts.MetricGraphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// How a sampling run steps and what it records. Results of runs with equal options (the seed, block size
/// and parallelism aside) merge. Call <see cref="Validate"/> (the sampler does) to get a message naming
/// the bad setting.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>The largest <see cref="MaxSplits"/> accepted: 10^6.</summary>
    public const int MaxSplitsLimit = 1_000_000;

    /// <summary>Exit times are recorded in ticks of dt / 2^20 (an exit's time within its step has 20 bits).</summary>
    public const int ExitTicksPerStepLog2 = 20;

    /// <summary>The Philox key. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>The time step dt, in single precision as the sampler uses it. Default 1e-3.</summary>
    public float TimeStep { get; init; } = 1e-3f;

    /// <summary>Number of steps in the run (the time horizon is Steps x dt). Default 1000; at most 2^33.</summary>
    public long Steps { get; init; } = 1000;

    /// <summary>
    /// Vertex crossings allowed in one step; a step that reaches it stops there and is counted as
    /// truncated (its leftover time is dropped and reported, never silently). Default 100, at most 10^6.
    /// </summary>
    public int MaxSplits { get; init; } = 100;

    /// <summary>
    /// How vertices are detected: <see cref="BoundaryScheme.Bridge"/> also tests, after every move that stays inside
    /// an edge, whether the path touched either end (absorbing or junction) and draws the passage time of every touch
    /// and crossing from the Brownian bridge's law (first order in dt); <see cref="BoundaryScheme.Step"/> checks only
    /// where a move ends (the seed's scheme, O(sqrt dt)).
    /// Default <see cref="BoundaryScheme.Bridge"/>.
    /// </summary>
    public BoundaryScheme Boundary { get; init; } = BoundaryScheme.Bridge;

    /// <summary>Occupation histogram bins per edge (bin width L_e / BinsPerEdge). Default 32.</summary>
    public int BinsPerEdge { get; init; } = 32;

    /// <summary>Occupation is sampled after every SampleEvery-th step (steps j with (j + 1) % SampleEvery == 0). Default 1.</summary>
    public long SampleEvery { get; init; } = 1;

    /// <summary>Steps per occupation time window (window w holds the samples taken after steps w*WindowSteps .. (w+1)*WindowSteps - 1). Default 0: one window for the whole run.</summary>
    public long WindowSteps { get; init; }

    /// <summary>Bins of the exit-time histogram over [0, ExitTimeSteps x dt), plus one overflow bin. Default 100.</summary>
    public int ExitTimeBins { get; init; } = 100;

    /// <summary>The range of the exit-time histogram in steps. Default 0: the whole run (<see cref="Steps"/>).</summary>
    public long ExitTimeSteps { get; init; }

    /// <summary>A result whose truncated steps exceed this fraction of its particle-steps carries a warning. Default 1e-4.</summary>
    public double TruncationWarningFraction { get; init; } = 1e-4;

    /// <summary>Particles per parallel work item; results do not depend on it. Default 4096.</summary>
    public int BlockSize { get; init; } = 4096;

    /// <summary>Threads used; results do not depend on it. Default -1: all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary><see cref="WindowSteps"/> with the default applied.</summary>
    public long EffectiveWindowSteps => WindowSteps > 0 ? WindowSteps : Steps;

    /// <summary>Number of occupation windows: ceil(Steps / WindowSteps).</summary>
    public int WindowCount => (int)((Steps + EffectiveWindowSteps - 1) / EffectiveWindowSteps);

    /// <summary><see cref="ExitTimeSteps"/> with the default applied.</summary>
    public long EffectiveExitTimeSteps => ExitTimeSteps > 0 ? ExitTimeSteps : Steps;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range and its allowed range.</summary>
    public void Validate()
    {
        if (!(TimeStep > 0) || !float.IsFinite(TimeStep))
        {
            Fail(nameof(TimeStep), TimeStep.ToString("R", CultureInfo.InvariantCulture), "a finite number greater than 0");
        }

        Check(nameof(Steps), Steps, 1, 1L << 33);
        Check(nameof(MaxSplits), MaxSplits, 1, MaxSplitsLimit);
        Check(nameof(BinsPerEdge), BinsPerEdge, 1, 1 << 20);
        Check(nameof(SampleEvery), SampleEvery, 1, long.MaxValue);
        Check(nameof(WindowSteps), WindowSteps, 0, long.MaxValue);
        Check(nameof(ExitTimeBins), ExitTimeBins, 1, 1 << 24);
        Check(nameof(ExitTimeSteps), ExitTimeSteps, 0, 1L << 33);
        Check(nameof(BlockSize), BlockSize, 1, int.MaxValue);
        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
        {
            Fail(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism.ToString(CultureInfo.InvariantCulture), "-1 (all cores) or at least 1");
        }

        if (!Enum.IsDefined(Boundary))
        {
            Fail(nameof(Boundary), Boundary.ToString(), "Bridge or Step");
        }

        if (!(TruncationWarningFraction >= 0) || !double.IsFinite(TruncationWarningFraction))
        {
            Fail(nameof(TruncationWarningFraction), TruncationWarningFraction.ToString("R", CultureInfo.InvariantCulture), "a finite number >= 0");
        }

        if ((long)WindowCount * BinsPerEdge > int.MaxValue / 2)
        {
            throw new ArgumentException($"SamplingOptions: {WindowCount} windows x {BinsPerEdge} bins per edge is too many histogram cells; raise WindowSteps or lower BinsPerEdge");
        }
    }

    private static void Check(string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Fail(name, value.ToString(CultureInfo.InvariantCulture), max == long.MaxValue || max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}");
        }
    }

    private static void Fail(string name, string value, string allowed) =>
        throw new ArgumentException($"SamplingOptions.{name} is {value}; it must be {allowed}", name);
}
