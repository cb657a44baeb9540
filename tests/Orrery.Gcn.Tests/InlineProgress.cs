using Orrery.Experiments;

namespace Orrery.Gcn.Tests;

/// <summary>
/// Reports progress on the caller's thread (<see cref="Progress{T}"/> posts to the thread pool, too late for a test
/// that must act between two epochs or see every line before the run returns).
/// </summary>
internal sealed class InlineProgress(Action<ExperimentProgress> report) : IProgress<ExperimentProgress>
{
    public void Report(ExperimentProgress value) => report(value);
}
