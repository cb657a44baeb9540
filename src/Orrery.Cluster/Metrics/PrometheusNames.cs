using System.Buffers;
using System.Globalization;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// Turns .NET instrument names, tag keys and tag values into Prometheus metric names, label
/// names and label values. The span-based forms run on the measurement hot path, so they write
/// into caller-provided scratch space and allocate only for names or values that do not fit.
/// </summary>
internal static class PrometheusNames
{
    /// <summary>Prefix given to a label name that would otherwise be invalid or reserved.</summary>
    public const string LabelPrefix = "tag_";

    private static readonly SearchValues<char> MetricNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");

    private static readonly SearchValues<char> LabelNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    /// <summary>
    /// Metric name: characters outside <c>[a-zA-Z0-9_:]</c> become <c>_</c>, and a name that
    /// starts with a digit (or is empty) gets a leading <c>_</c>.
    /// </summary>
    public static string MetricName(string name)
    {
        if (name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.AsSpan().IndexOfAnyExcept(MetricNameChars) < 0)
        {
            return name;
        }

        var prefix = name.Length == 0 || char.IsAsciiDigit(name[0]) ? 1 : 0;
        return string.Create(name.Length + prefix, (name, prefix), static (destination, state) =>
        {
            if (state.prefix == 1)
            {
                destination[0] = '_';
            }

            var body = destination[state.prefix..];
            for (var i = 0; i < state.name.Length; i++)
            {
                var c = state.name[i];
                body[i] = MetricNameChars.Contains(c) ? c : '_';
            }
        });
    }

    /// <summary>Label name as a string; see <see cref="LabelName(string, bool, Span{char})"/>.</summary>
    public static string LabelName(string key, bool reserveLe)
    {
        Span<char> scratch = stackalloc char[128];
        var name = LabelName(key, reserveLe, scratch);
        return name.Overlaps(key.AsSpan()) ? key : name.ToString();
    }

    /// <summary>
    /// Label name: characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>; a name that is empty,
    /// starts with a digit or with <c>__</c> (reserved by Prometheus), or is <c>le</c> on a
    /// histogram (the bucket label), gets the prefix <c>tag_</c>. Returns <paramref name="key"/>
    /// itself when it is already valid, else the sanitised name in <paramref name="scratch"/> (or
    /// a new string when it does not fit).
    /// </summary>
    public static ReadOnlySpan<char> LabelName(string key, bool reserveLe, Span<char> scratch)
    {
        var needsPrefix = key.Length == 0
            || char.IsAsciiDigit(key[0])
            || key.StartsWith("__", StringComparison.Ordinal)
            || (reserveLe && key == "le");
        if (!needsPrefix && key.AsSpan().IndexOfAnyExcept(LabelNameChars) < 0)
        {
            return key;
        }

        var length = key.Length + (needsPrefix ? LabelPrefix.Length : 0);
        var destination = length <= scratch.Length ? scratch[..length] : new char[length];
        var body = destination;
        if (needsPrefix)
        {
            LabelPrefix.CopyTo(destination);
            body = destination[LabelPrefix.Length..];
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            body[i] = LabelNameChars.Contains(c) ? c : '_';
        }

        return destination;
    }

    /// <summary>Label value as a string; see <see cref="LabelValue(object?, Span{char})"/>.</summary>
    public static string LabelValue(object? value)
    {
        if (value is string s)
        {
            return s;
        }

        Span<char> scratch = stackalloc char[64];
        return LabelValue(value, scratch).ToString();
    }

    /// <summary>
    /// Label value: strings as they are, <see langword="null"/> as empty, booleans as
    /// <c>true</c>/<c>false</c>, numbers and other formattable values with the invariant
    /// culture, anything else through <see cref="object.ToString"/>. Formats into
    /// <paramref name="scratch"/> when the value is not a string, allocating only when the
    /// formatted value does not fit or the type cannot format into a span.
    /// </summary>
    public static ReadOnlySpan<char> LabelValue(object? value, Span<char> scratch)
    {
        switch (value)
        {
            case string s:
                return s;
            case null:
                return [];
            case bool b:
                return b ? "true" : "false";
            case ISpanFormattable formattable when formattable.TryFormat(scratch, out var written, default, CultureInfo.InvariantCulture):
                return scratch[..written];
            case IFormattable formattable:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
            default:
                return value.ToString();
        }
    }
}
