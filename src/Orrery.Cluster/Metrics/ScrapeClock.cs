namespace Orrery.Cluster.Metrics;

/// <summary>
/// Numbers the scrapes of one exporter, so observable series can tell whether they were reported
/// in the scrape being written.
/// </summary>
internal sealed class ScrapeClock
{
    private long _generation;

    /// <summary>The scrape in progress (or the last one).</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>Starts a new scrape and returns its number.</summary>
    public long Advance() => Interlocked.Increment(ref _generation);
}
