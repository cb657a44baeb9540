using Orrery.Cluster.Grains;
using Orrery.Cluster.Membership;

namespace Orrery.Experiments;

/// <summary>What a runner gets to run an experiment with.</summary>
public sealed class ExperimentContext
{
    /// <summary>Grain references into the cluster (a client connection, or an embedded cluster's client).</summary>
    public required IGrainFactory Grains { get; init; }

    /// <summary>The current membership view (silos, their capabilities), read at call time.</summary>
    public required Func<MembershipView> View { get; init; }

    /// <summary>Where outputs go; staged, so a failed run leaves nothing behind.</summary>
    public required ExperimentOutput Output { get; init; }

    /// <summary>Progress sink (the client shows it as a progress bar).</summary>
    public IProgress<ExperimentProgress> Progress { get; init; } = new Progress<ExperimentProgress>();

    /// <summary>Lines for the person running the experiment (summary, checks, warnings).</summary>
    public Action<string> Say { get; init; } = _ => { };
}

/// <summary>
/// One progress report: <paramref name="Fraction"/> in [0, 1] and a short rate or state text, such
/// as <c>1.2e9 particle-steps/s</c> or <c>round 14, E = 3.1e-4</c>.
/// </summary>
public sealed record ExperimentProgress(double Fraction, string Detail);

/// <summary>What a finished experiment reports back.</summary>
/// <param name="Passed">False when a check built into the experiment (for example a closed form) failed.</param>
/// <param name="Summary">Lines summarising the result for the console.</param>
public sealed record ExperimentOutcome(bool Passed, IReadOnlyList<string> Summary);
