namespace Orrery.Bench.Runtime;

/// <summary>
/// Holds each measured run back until other programs leave the machine mostly idle (the build
/// machine is shared: builds and test runs of other worktrees take whole cores for minutes), up
/// to a wait per run and a budget for the whole benchmark, so a busy machine slows the run down
/// by a bounded amount and the load that remained is reported next to the figures.
/// </summary>
internal sealed class QuietGate(double maxOtherCores, TimeSpan perRun, TimeSpan budget, CancellationToken cancellationToken)
{
    private TimeSpan _spent;

    /// <summary>Total time spent waiting so far.</summary>
    public TimeSpan Spent => _spent;

    public async Task WaitAsync()
    {
        var left = budget - _spent;
        if (left <= TimeSpan.Zero)
        {
            return;
        }

        var waited = await CpuUse.WaitForQuietAsync(maxOtherCores, perRun < left ? perRun : left, cancellationToken);
        _spent += waited;
        if (waited > TimeSpan.FromSeconds(2))
        {
            Console.WriteLine($"  (waited {waited.TotalSeconds:0} s for other programs to leave the CPU)");
        }
    }
}
