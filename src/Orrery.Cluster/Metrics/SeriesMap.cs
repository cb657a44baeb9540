using System.Collections.Concurrent;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// The series of one metric stream keyed by label set. Finding an existing series from a
/// measurement's tags is a lock-free dictionary read with no allocation; only the first
/// measurement of a new label set builds a <see cref="TagSet"/>.
/// </summary>
internal sealed class SeriesMap<TSeries>
    where TSeries : class
{
    private readonly ConcurrentDictionary<TagSet, TSeries> _series;
    private readonly ConcurrentDictionary<TagSet, TSeries>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _byTags;
    private readonly Func<TSeries> _factory;
    private readonly bool _reserveLe;

    public SeriesMap(Func<TSeries> factory, bool reserveLe)
    {
        _factory = factory;
        _reserveLe = reserveLe;
        _series = new ConcurrentDictionary<TagSet, TSeries>(new TagSetComparer(reserveLe));
        _byTags = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
    }

    /// <summary>Number of series.</summary>
    public int Count => _series.Count;

    /// <summary>The series for <paramref name="tags"/>, created on first use.</summary>
    public TSeries GetOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_byTags.TryGetValue(tags, out var series))
        {
            return series;
        }

        return _series.GetOrAdd(TagSet.Create(tags, _reserveLe), static (_, factory) => factory(), _factory);
    }

    /// <summary>All series sorted by label set, for stable output.</summary>
    public KeyValuePair<TagSet, TSeries>[] SnapshotSorted()
    {
        var snapshot = _series.ToArray();
        Array.Sort(snapshot, static (a, b) => a.Key.CompareTo(b.Key));
        return snapshot;
    }

    /// <summary>Removes one series (observable series that were not reported in a scrape).</summary>
    public void Remove(TagSet labels) => _series.TryRemove(labels, out _);
}
