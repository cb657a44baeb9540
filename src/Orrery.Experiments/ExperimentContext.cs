using Orrery.Contracts.Cluster;

namespace Orrery.Experiments;

/// <summary>What a runner gets to run an experiment with.</summary>
public sealed class ExperimentContext
{
    /// <summary>Orleans grain references into the cluster (an Orleans client, or an embedded Orleans cluster's client).</summary>
    public required Orleans.IGrainFactory Cluster { get; init; }

    /// <summary>The cluster's active silos and what they offer, read at call time.</summary>
    public required Func<CancellationToken, Task<IReadOnlyList<ClusterSiloInfo>>> Silos { get; init; }

    /// <summary>Where outputs go; staged, so a failed run leaves nothing behind.</summary>
    public required ExperimentOutput Output { get; init; }

    /// <summary>Progress sink (the client shows it as a progress bar).</summary>
    public IProgress<ExperimentProgress> Progress { get; init; } = new Progress<ExperimentProgress>();

    /// <summary>Lines for the person running the experiment (summary, checks, warnings).</summary>
    public Action<string> Say { get; init; } = _ => { };

    /// <summary>
    /// Continue an interrupted run from the state it left in <see cref="ExperimentOutput.ResumeDirectory"/>
    /// (<c>orrery run --resume</c>); a runner without resume state ignores it. Default false.
    /// </summary>
    public bool Resume { get; init; }
}

/// <summary>
/// One progress report: <paramref name="Fraction"/> in [0, 1] and a short rate or state text, such
/// as <c>1.2e9 particle-steps/s</c> or <c>round 14, E = 3.1e-4</c>.
/// </summary>
public sealed record ExperimentProgress(double Fraction, string Detail);

/// <summary>What a finished experiment reports back.</summary>
/// <param name="Passed">False when a check built into the experiment (for example a closed form) failed.</param>
/// <param name="Summary">Lines summarising the result for the console.</param>
/// <param name="Checks">
/// The checks that ran, one short name each (for example <c>closed form star-exit, 5 quantities</c>); empty when none
/// applied, so that the console says "no check ran" rather than "checks passed".
/// </param>
public sealed record ExperimentOutcome(bool Passed, IReadOnlyList<string> Summary, IReadOnlyList<string> Checks);
