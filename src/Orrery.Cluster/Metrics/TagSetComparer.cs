namespace Orrery.Cluster.Metrics;

/// <summary>
/// Compares a measurement's tags, as the span the <see cref="System.Diagnostics.Metrics.MeterListener"/>
/// hands over, with a stored <see cref="TagSet"/> without building one, so that recording into
/// an existing series allocates nothing. Names are sanitised and values formatted into stack
/// scratch space (128 and 64 chars); only longer names or values allocate.
/// </summary>
internal sealed class TagSetComparer
    : IEqualityComparer<TagSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, TagSet>
{
    // Matching marks used labels in a 64-bit mask; larger tag sets take the allocating path.
    private const int MaxAlternateTags = 64;

    private readonly bool _reserveLe;

    public TagSetComparer(bool reserveLe)
    {
        _reserveLe = reserveLe;
    }

    /// <inheritdoc />
    public bool Equals(TagSet? x, TagSet? y) => x is null ? y is null : x.Equals(y);

    /// <inheritdoc />
    public int GetHashCode(TagSet obj) => obj.GetHashCode();

    /// <inheritdoc />
    public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, TagSet other)
    {
        if (alternate.Length != other.Count || alternate.Length > MaxAlternateTags)
        {
            return false;
        }

        Span<char> nameScratch = stackalloc char[128];
        Span<char> valueScratch = stackalloc char[64];
        var values = other.Values;
        var used = 0UL;
        foreach (var tag in alternate)
        {
            var index = other.IndexOf(PrometheusNames.LabelName(tag.Key, _reserveLe, nameScratch));
            if (index < 0 || (used & (1UL << index)) != 0)
            {
                return false;
            }

            if (!PrometheusNames.LabelValue(tag.Value, valueScratch).SequenceEqual(values[index]))
            {
                return false;
            }

            used |= 1UL << index;
        }

        return true;
    }

    /// <inheritdoc />
    public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate)
    {
        Span<char> nameScratch = stackalloc char[128];
        Span<char> valueScratch = stackalloc char[64];
        var hash = 0;
        foreach (var tag in alternate)
        {
            var name = PrometheusNames.LabelName(tag.Key, _reserveLe, nameScratch);
            var value = PrometheusNames.LabelValue(tag.Value, valueScratch);
            hash = unchecked(hash + TagSet.PairHash(name, value));
        }

        return hash;
    }

    /// <inheritdoc />
    public TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.Create(alternate, _reserveLe);
}
