namespace Orrery.Gcn.Training;

/// <summary>
/// One part's (or the sum of all parts') loss and correct counts. The loss is this part's training nodes' sum divided
/// by the whole graph's training-node count, so the parts' losses add up to the full-graph mean.
/// </summary>
/// <param name="Loss">Training loss share.</param>
/// <param name="Correct">Correct predictions per split (train, validation, test); for multi-label, correct labels.</param>
/// <param name="Total">Predictions per split.</param>
public sealed record SplitScores(double Loss, long[] Correct, long[] Total)
{
    /// <summary>Empty scores to add into.</summary>
    public static SplitScores Zero => new(0, new long[3], new long[3]);

    /// <summary>Accuracy of split <paramref name="split"/> (0 train, 1 validation, 2 test); NaN when it is empty.</summary>
    public double Accuracy(int split) => Total[split] == 0 ? double.NaN : (double)Correct[split] / Total[split];

    /// <summary>The sum of two parts' scores.</summary>
    public SplitScores Add(SplitScores other) =>
        new(Loss + other.Loss, [.. Correct.Zip(other.Correct, (a, b) => a + b)], [.. Total.Zip(other.Total, (a, b) => a + b)]);
}
