using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text;

namespace Orrery.Cluster.Metrics;

/// <summary>Prometheus names for instruments and tag keys.</summary>
public sealed partial class PrometheusMeterBridge
{
    private static readonly SearchValues<char> LabelNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    /// <summary>
    /// The exported name and the factor from the instrument's unit to the base unit: <c>ms</c> and <c>s</c> become
    /// <c>_seconds</c>, <c>By</c>/<c>bytes</c> and <c>MB</c> (Orleans's memory gauges, in MiB) become <c>_bytes</c>, and
    /// counters end in <c>_total</c>. Other units (<c>{call}</c>, <c>1</c>) add nothing.
    /// </summary>
    private static (string Name, double Scale) ExportName(Instrument instrument)
    {
        var name = SnakeCase(Sanitize(instrument.Name));
        var scale = 1.0;
        switch (instrument.Unit)
        {
            case "ms":
                (name, scale) = (WithSuffix(name, "_seconds"), 0.001);
                break;
            case "s":
                name = WithSuffix(name, "_seconds");
                break;
            case "By" or "bytes":
                name = WithSuffix(name, "_bytes");
                break;
            case "MB":
                (name, scale) = (WithSuffix(name, "_bytes"), 1024 * 1024);
                break;
        }

        if (ExportKind(instrument) == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return (name, scale);
    }

    /// <summary>The unit suffix unless the name carries it already (<c>orrery_tensor_bytes_sent</c> has its <c>_bytes</c>).</summary>
    private static string WithSuffix(string name, string suffix) =>
        name.EndsWith(suffix, StringComparison.Ordinal) || name.Contains(suffix + "_", StringComparison.Ordinal) ? name : name + suffix;

    /// <summary>
    /// A label name: dots and characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>, camel case becomes snake case, and a
    /// name that is empty, starts with a digit or <c>__</c> (reserved by Prometheus), or is <c>le</c> (the bucket label)
    /// gets the prefix <c>tag_</c>.
    /// </summary>
    private static string LabelName(string key)
    {
        var name = SnakeCase(Sanitize(key));
        return name.Length == 0 || char.IsAsciiDigit(name[0]) || name.StartsWith("__", StringComparison.Ordinal) || name == "le"
            ? "tag_" + name
            : name;
    }

    /// <summary>Characters outside <c>[a-zA-Z0-9_]</c> (dashes, dots) become <c>_</c>; a leading digit gets a <c>_</c> in front.</summary>
    private static string Sanitize(string name)
    {
        if (name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.AsSpan().IndexOfAnyExcept(LabelNameChars) < 0)
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 1);
        if (name.Length > 0 && char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            builder.Append(LabelNameChars.Contains(c) ? c : '_');
        }

        return builder.ToString();
    }

    /// <summary>Prometheus's convention (promtool lints it): <c>messageDirection</c> becomes <c>message_direction</c>.</summary>
    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && !char.IsAsciiLetterUpper(name[i - 1]))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
