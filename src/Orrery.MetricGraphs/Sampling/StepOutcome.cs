namespace Orrery.MetricGraphs.Sampling;

/// <summary>How one particle's step ended.</summary>
internal enum StepOutcome
{
    /// <summary>The step used all its time; the particle is on an edge (or at a vertex when the time ran out exactly there).</summary>
    Completed,

    /// <summary>The particle reached an absorbing vertex and left the graph.</summary>
    Exited,

    /// <summary>The step reached MaxSplits crossings and stopped with time left over.</summary>
    Truncated,
}
