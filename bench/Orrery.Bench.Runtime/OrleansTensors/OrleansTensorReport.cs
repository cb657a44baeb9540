using System.Globalization;
using System.Text;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// The Orleans tensor section of the results file: the table (each way next to the raw socket peer and the ratios),
/// the goals, and the section's place in <c>runtime.md</c> between <see cref="Begin"/> and <see cref="End"/>, which
/// the old runtime's rewrite of that file keeps (<see cref="ResultsReport.Write"/>).
/// </summary>
internal static class OrleansTensorReport
{
    public const string Begin = "<!-- orleans-tensors: begin (written by bench/run-tensors-orleans.sh) -->";
    public const string End = "<!-- orleans-tensors: end -->";

    private const double RawGoal = 0.60;
    private const double RawStretch = 0.90;
    private const double MessageGoal = 3;

    public static string Table(OrleansTensorOptions options, OrleansTensorResults r)
    {
        var text = new StringBuilder();
        text.AppendLine("| size | direction | TensorRef GB/s | TensorRef into a reused array GB/s | Orleans message GB/s | raw socket GB/s | raw, new array per message GB/s | TensorRef / raw | reused / raw | TensorRef / message | TensorRef runs min–max GB/s | cold first run GB/s: TensorRef / message / raw, new array | CPU cores A + B: TensorRef / message / raw |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var mib in options.SizesMiB)
        {
            foreach (var both in new[] { false, true })
            {
                var tensorRef = r.Median(mib, TensorWay.TensorRef, both);
                var reused = r.Median(mib, TensorWay.TensorRefReused, both);
                var message = r.Median(mib, TensorWay.OrleansMessage, both);
                var rawSocket = r.Median(mib, TensorWay.RawSocket, both);
                var fresh = r.Median(mib, TensorWay.RawSocketFreshArray, both);
                var refRuns = r.RunsOf(mib, TensorWay.TensorRef, both);
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {mib} MiB | {(both ? "both ways at once" : "one way (B → A)")} | {Rate(tensorRef)} | {Rate(reused)} | {(message is null && r.FailureOf(mib, TensorWay.OrleansMessage) is not null ? "failed" : Rate(message))} | " +
                    $"{Rate(rawSocket)} | {Rate(fresh)} | {Percent(Ratio(tensorRef, rawSocket))} | {Percent(Ratio(reused, rawSocket))} | {Times(Ratio(tensorRef, message))} | " +
                    $"{(refRuns.Count == 0 ? "-" : $"{refRuns.Min(x => x.GigabytesPerSecond):0.00}–{refRuns.Max(x => x.GigabytesPerSecond):0.00}")} | " +
                    $"{Rate(r.Cold(mib, TensorWay.TensorRef, both))} / {Rate(r.Cold(mib, TensorWay.OrleansMessage, both))} / {Rate(r.Cold(mib, TensorWay.RawSocketFreshArray, both))} | " +
                    $"{Cores(tensorRef)} / {Cores(message)} / {Cores(rawSocket)} |"));
            }
        }

        text.AppendLine();
        text.AppendLine("GB/s counts payload bytes (10^9 per GB), median of the repetitions; both ways sums the two directions over the slower one's time.");
        text.AppendLine("Each size starts with a warm-up run of every way and direction, the \"cold first run\" column, not in the medians:");
        text.AppendLine("its received arrays are fresh pages until the receiving process's GC heap has grown to hold the arrays in flight.");
        foreach (var mib in options.SizesMiB)
        {
            if (r.FailureOf(mib, TensorWay.OrleansMessage) is { } error)
            {
                text.AppendLine();
                text.AppendLine($"The Orleans message failed at {mib} MiB: `{error}`");
            }
        }

        return text.ToString();
    }

    public static string Goals(OrleansTensorOptions options, OrleansTensorResults r)
    {
        var cells = options.SizesMiB
            .SelectMany(mib => new[] { false, true }.Select(both => (
                Where: $"{mib} MiB, {(both ? "both ways" : "one way")}",
                Raw: Ratio(r.Median(mib, TensorWay.TensorRef, both), r.Median(mib, TensorWay.RawSocket, both)),
                Message: r.FailureOf(mib, TensorWay.OrleansMessage) is not null ? double.PositiveInfinity
                    : Ratio(r.Median(mib, TensorWay.TensorRef, both), r.Median(mib, TensorWay.OrleansMessage, both)))))
            .Where(c => !double.IsNaN(c.Raw))
            .ToList();
        var text = new StringBuilder();
        text.AppendLine("| goal | measured | verdict |");
        text.AppendLine("|---|---:|---|");
        if (cells.Count == 0)
        {
            return text.ToString();
        }

        var worstRaw = cells.MinBy(c => c.Raw);
        var rawMeasured = string.Create(CultureInfo.InvariantCulture, $"worst {worstRaw.Raw * 100:0}% ({worstRaw.Where})");
        text.AppendLine($"| TensorRef ≥ 60% of the raw socket | {rawMeasured} | {Verdict(worstRaw.Raw >= RawGoal)} |");
        text.AppendLine($"| stretch: ≥ 90% | {rawMeasured} | {Verdict(worstRaw.Raw >= RawStretch)} |");
        var withMessage = cells.Where(c => !double.IsNaN(c.Message)).ToList();
        if (withMessage.Count > 0)
        {
            var worstMessage = withMessage.MinBy(c => c.Message);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| TensorRef ≥ 3x the Orleans message | worst {worstMessage.Message:0.0}x ({worstMessage.Where}) | {Verdict(worstMessage.Message >= MessageGoal)} |"));
        }
        return text.ToString();
    }

    /// <summary>Replaces the section in <paramref name="path"/>, or puts it before the hand-written notes when the file has none yet.</summary>
    public static void Write(string path, string section)
    {
        var block = $"{Begin}\n\n{section.TrimEnd()}\n\n{End}";
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin >= 0 && end > begin)
        {
            text = text[..begin] + block + text[(end + End.Length)..];
        }
        else if (text.IndexOf(ResultsReport.NotesMarker, StringComparison.Ordinal) is var notes and >= 0)
        {
            text = $"{text[..notes]}{block}\n\n{text[notes..]}";
        }
        else
        {
            text = $"{text.TrimEnd()}\n\n{block}\n";
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>The section as <see cref="Write"/> last left it in <paramref name="text"/>, or empty.</summary>
    public static string Extract(string text)
    {
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        return begin >= 0 && end > begin ? text[begin..(end + End.Length)] : "";
    }

    private static double Ratio(TransferFigures? a, TransferFigures? b) =>
        a is null || b is null ? double.NaN : a.GigabytesPerSecond / b.GigabytesPerSecond;

    private static string Rate(TransferFigures? f) => f is null ? "-" : f.GigabytesPerSecond.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Percent(double ratio) => double.IsNaN(ratio) ? "-" : (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Times(double ratio) => double.IsNaN(ratio) ? "-" : ratio.ToString("0.0", CultureInfo.InvariantCulture) + "x";

    private static string Cores(TransferFigures? f) => f is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{f.FirstCores:0.00} + {f.SecondCores:0.00}");

    private static string Verdict(bool met) => met ? "**met**" : "**missed**";
}
