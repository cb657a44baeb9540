namespace Orrery.Experiments;

/// <summary>
/// An experiment spec that cannot be run. The message names the file, the line and column, and
/// the field path (for example <c>sampling.yaml:12:5: graph.generator.arms: ...</c>).
/// </summary>
public sealed class ExperimentSpecException(string message) : Exception(message);
