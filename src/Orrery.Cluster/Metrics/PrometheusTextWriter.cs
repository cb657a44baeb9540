using System.Buffers;
using System.Globalization;
using System.Text;

namespace Orrery.Cluster.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4 as UTF-8 into an
/// <see cref="IBufferWriter{T}"/>: family headers, samples with escaped labels, and numbers the
/// way Prometheus parses them (invariant culture, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>).
/// </summary>
internal sealed class PrometheusTextWriter
{
    private static readonly SearchValues<char> HelpSpecials = SearchValues.Create("\\\n");
    private static readonly SearchValues<char> LabelValueSpecials = SearchValues.Create("\\\"\n");

    private readonly IBufferWriter<byte> _output;

    public PrometheusTextWriter(IBufferWriter<byte> output)
    {
        _output = output;
    }

    /// <summary>Writes the <c># HELP</c> and <c># TYPE</c> lines of a family.</summary>
    public void WriteHeader(string name, string help, MetricType type)
    {
        Write("# HELP "u8);
        WriteUtf8(name);
        Write(" "u8);
        WriteEscaped(help, HelpSpecials);
        Write("\n# TYPE "u8);
        WriteUtf8(name);
        Write(type switch
        {
            MetricType.Counter => " counter\n"u8,
            MetricType.Gauge => " gauge\n"u8,
            _ => " histogram\n"u8,
        });
    }

    /// <summary>Writes one sample line with an integer value.</summary>
    public void WriteSample(string name, ReadOnlySpan<byte> suffix, TagSet constantLabels, TagSet labels, string? le, long value)
    {
        WriteSeriesName(name, suffix, constantLabels, labels, le);
        var span = _output.GetSpan(24);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        _output.Advance(written);
        Write("\n"u8);
    }

    /// <summary>Writes one sample line with a floating-point value.</summary>
    public void WriteSample(string name, ReadOnlySpan<byte> suffix, TagSet constantLabels, TagSet labels, string? le, double value)
    {
        WriteSeriesName(name, suffix, constantLabels, labels, le);
        WriteDouble(value);
        Write("\n"u8);
    }

    /// <summary>
    /// Formats a double as Prometheus reads it: shortest round-trip text in the invariant culture,
    /// or <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.
    /// </summary>
    public static string FormatDouble(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private void WriteDouble(double value)
    {
        if (double.IsNaN(value))
        {
            Write("NaN"u8);
        }
        else if (double.IsPositiveInfinity(value))
        {
            Write("+Inf"u8);
        }
        else if (double.IsNegativeInfinity(value))
        {
            Write("-Inf"u8);
        }
        else
        {
            // "R" is at most 25 bytes ("-1.2345678901234567E-308").
            var span = _output.GetSpan(32);
            value.TryFormat(span, out var written, "R", CultureInfo.InvariantCulture);
            _output.Advance(written);
        }
    }

    private void WriteSeriesName(string name, ReadOnlySpan<byte> suffix, TagSet constantLabels, TagSet labels, string? le)
    {
        WriteUtf8(name);
        Write(suffix);

        // Both sets are sorted by name: merge them, letting a measurement's tag override an
        // instrument or meter tag of the same name. The bucket label goes last, as by convention.
        var constantNames = constantLabels.Names;
        var names = labels.Names;
        int i = 0, j = 0;
        var any = false;
        while (i < constantNames.Length || j < names.Length)
        {
            var order = i == constantNames.Length ? 1
                : j == names.Length ? -1
                : string.CompareOrdinal(constantNames[i], names[j]);
            if (order == 0)
            {
                i++;
            }
            else if (order < 0)
            {
                WriteLabel(ref any, constantNames[i], constantLabels.Values[i]);
                i++;
            }
            else
            {
                WriteLabel(ref any, names[j], labels.Values[j]);
                j++;
            }
        }

        if (le is not null)
        {
            WriteLabel(ref any, "le", le);
        }

        Write(any ? "} "u8 : " "u8);
    }

    private void WriteLabel(ref bool any, string name, string value)
    {
        Write(any ? ","u8 : "{"u8);
        any = true;
        WriteUtf8(name);
        Write("=\""u8);
        WriteEscaped(value, LabelValueSpecials);
        Write("\""u8);
    }

    private void WriteEscaped(ReadOnlySpan<char> text, SearchValues<char> specials)
    {
        while (true)
        {
            var index = text.IndexOfAny(specials);
            if (index < 0)
            {
                WriteUtf8(text);
                return;
            }

            WriteUtf8(text[..index]);
            Write(text[index] switch
            {
                '\\' => "\\\\"u8,
                '"' => "\\\""u8,
                _ => "\\n"u8,
            });
            text = text[(index + 1)..];
        }
    }

    private void WriteUtf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        // Encoding.UTF8 replaces lone surrogates with U+FFFD, so the output is always valid UTF-8.
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var written = Encoding.UTF8.GetBytes(text, span);
        _output.Advance(written);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }
}
