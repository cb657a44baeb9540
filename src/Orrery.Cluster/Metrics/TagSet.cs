namespace Orrery.Cluster.Metrics;

/// <summary>
/// The labels of one series: Prometheus label names (sanitised tag keys) and label values
/// (formatted tag values), sorted by name, one value per name. Two measurements whose tags differ
/// only in order, or in values that format to the same text, land in the same series.
/// </summary>
internal sealed class TagSet : IEquatable<TagSet>, IComparable<TagSet>
{
    /// <summary>The set with no labels.</summary>
    public static readonly TagSet Empty = new([], []);

    private readonly string[] _names;
    private readonly string[] _values;
    private readonly int _hashCode;

    private TagSet(string[] names, string[] values)
    {
        _names = names;
        _values = values;
        var hash = 0;
        for (var i = 0; i < names.Length; i++)
        {
            hash = unchecked(hash + PairHash(names[i], values[i]));
        }

        _hashCode = hash;
    }

    /// <summary>Number of labels.</summary>
    public int Count => _names.Length;

    /// <summary>Label names, sorted ordinally.</summary>
    public ReadOnlySpan<string> Names => _names;

    /// <summary>Label values, in the order of <see cref="Names"/>.</summary>
    public ReadOnlySpan<string> Values => _values;

    /// <summary>
    /// Builds the set for <paramref name="tags"/>. When two tags map to the same label name the
    /// later one wins, as it would in a dictionary.
    /// </summary>
    public static TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> tags, bool reserveLe)
    {
        if (tags.IsEmpty)
        {
            return Empty;
        }

        var pairs = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags)
        {
            var name = PrometheusNames.LabelName(tag.Key, reserveLe);
            var value = PrometheusNames.LabelValue(tag.Value);
            var existing = pairs.FindIndex(p => p.Key == name);
            if (existing >= 0)
            {
                pairs[existing] = new(name, value);
            }
            else
            {
                pairs.Add(new(name, value));
            }
        }

        pairs.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var names = new string[pairs.Count];
        var values = new string[pairs.Count];
        for (var i = 0; i < pairs.Count; i++)
        {
            (names[i], values[i]) = (pairs[i].Key, pairs[i].Value);
        }

        return new TagSet(names, values);
    }

    /// <summary>
    /// Hash of one label, shared with <see cref="TagSetComparer"/>; summed over the labels so the
    /// hash of a set does not depend on tag order.
    /// </summary>
    public static int PairHash(ReadOnlySpan<char> name, ReadOnlySpan<char> value) =>
        HashCode.Combine(string.GetHashCode(name, StringComparison.Ordinal), string.GetHashCode(value, StringComparison.Ordinal));

    /// <summary>Index of the label called <paramref name="name"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<char> name)
    {
        var names = _names;
        for (var i = 0; i < names.Length; i++)
        {
            if (name.SequenceEqual(names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <inheritdoc />
    public bool Equals(TagSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._hashCode != _hashCode || other._names.Length != _names.Length)
        {
            return false;
        }

        return _names.AsSpan().SequenceEqual(other._names) && _values.AsSpan().SequenceEqual(other._values);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TagSet);

    /// <inheritdoc />
    public override int GetHashCode() => _hashCode;

    /// <summary>Orders label sets by (name, value) pairs, ordinally; used for stable output.</summary>
    public int CompareTo(TagSet? other)
    {
        if (other is null)
        {
            return 1;
        }

        var count = Math.Min(_names.Length, other._names.Length);
        for (var i = 0; i < count; i++)
        {
            var order = string.CompareOrdinal(_names[i], other._names[i]);
            if (order == 0)
            {
                order = string.CompareOrdinal(_values[i], other._values[i]);
            }

            if (order != 0)
            {
                return order;
            }
        }

        return _names.Length.CompareTo(other._names.Length);
    }
}
