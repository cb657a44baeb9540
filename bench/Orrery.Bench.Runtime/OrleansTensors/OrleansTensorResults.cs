namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// Every measured run by size, way and direction (<c>bothWays</c>: A reads from B while B reads from A), and the
/// error of a way that failed at a size (its remaining runs at that size were skipped). The warm-up run of each way,
/// direction and size is kept apart as its cold figure.
/// </summary>
internal sealed class OrleansTensorResults
{
    private readonly Dictionary<(int MiB, TensorWay Way, bool BothWays), List<TransferFigures>> _runs = [];
    private readonly Dictionary<(int MiB, TensorWay Way, bool BothWays), TransferFigures> _cold = [];
    private readonly Dictionary<(int MiB, TensorWay Way), string> _failures = [];

    public void Add(int mib, TensorWay way, bool bothWays, bool cold, TransferFigures run)
    {
        if (cold)
        {
            _cold[(mib, way, bothWays)] = run;
            return;
        }

        if (!_runs.TryGetValue((mib, way, bothWays), out var list))
        {
            _runs[(mib, way, bothWays)] = list = [];
        }

        list.Add(run);
    }

    public void Fail(int mib, TensorWay way, string error) => _failures[(mib, way)] = error;

    public string? FailureOf(int mib, TensorWay way) => _failures.GetValueOrDefault((mib, way));

    /// <summary>The warm-up run: the first of its size in processes whose heaps had not yet grown to it.</summary>
    public TransferFigures? Cold(int mib, TensorWay way, bool bothWays) => _cold.GetValueOrDefault((mib, way, bothWays));

    public IReadOnlyList<TransferFigures> RunsOf(int mib, TensorWay way, bool bothWays) =>
        _runs.TryGetValue((mib, way, bothWays), out var list) ? list : [];

    /// <summary>The run with the median GB/s (the upper one of an even count), or null when there is none.</summary>
    public TransferFigures? Median(int mib, TensorWay way, bool bothWays)
    {
        var runs = RunsOf(mib, way, bothWays).OrderBy(r => r.GigabytesPerSecond).ToList();
        return runs.Count == 0 ? null : runs[runs.Count / 2];
    }
}
