namespace Orrery.Experiments;

/// <summary>
/// One kind of experiment that <c>orrery run</c> can run (the spec's <c>kind</c> field selects it).
/// A workload registers one in the client's runner list; the runner validates the whole spec before
/// any grain is called, drives its coordinator grain, and writes its outputs.
/// </summary>
public interface IExperimentRunner
{
    /// <summary>The value of the spec's <c>kind</c> field, such as <c>sampling</c> or <c>pca</c>.</summary>
    string Kind { get; }

    /// <summary>Whether the runner keeps resume state and honours <see cref="ExperimentContext.Resume"/> (<c>orrery run --resume</c>).</summary>
    bool CanResume => false;

    /// <summary>
    /// Reads and checks the whole spec (<c>kind</c> included) as <see cref="RunAsync"/> does before any work, without a
    /// cluster: <c>orrery check</c>. Problems throw <see cref="ExperimentSpecException"/> naming the file, line and field.
    /// </summary>
    void Check(SpecNode spec);

    /// <summary>
    /// Runs the experiment described by <paramref name="spec"/> (the root node, <c>kind</c> included).
    /// Spec problems throw <see cref="ExperimentSpecException"/> before any work starts.
    /// </summary>
    Task<ExperimentOutcome> RunAsync(ExperimentContext context, SpecNode spec, CancellationToken cancellationToken);
}
