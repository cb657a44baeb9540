namespace Orrery.Gcn.Training;

/// <summary>
/// One epoch of training: loss, accuracies (evaluated without dropout, exact exchange; NaN in an epoch that ran no
/// evaluation pass) and time split.
/// </summary>
/// <param name="Epoch">Epoch number from 0.</param>
/// <param name="Loss">Full-graph mean training loss of the training pass.</param>
/// <param name="TrainAccuracy">Training-split accuracy of the evaluation pass.</param>
/// <param name="ValidationAccuracy">Validation-split accuracy of the evaluation pass.</param>
/// <param name="TestAccuracy">Test-split accuracy of the evaluation pass.</param>
/// <param name="Seconds">Wall time of the training step.</param>
/// <param name="ExchangeSeconds">Part of it spent exchanging or waiting on boundary rows.</param>
/// <param name="EvaluationSeconds">Wall time of the evaluation pass after the step (0 when there was none).</param>
public sealed record EpochMetrics(int Epoch, double Loss, double TrainAccuracy, double ValidationAccuracy, double TestAccuracy, double Seconds, double ExchangeSeconds, double EvaluationSeconds)
{
    /// <summary>True when the epoch ran an evaluation pass (its accuracies are numbers).</summary>
    public bool Evaluated => !double.IsNaN(TestAccuracy);
}
