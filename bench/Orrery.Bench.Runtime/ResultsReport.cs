using System.Globalization;
using System.Text;

namespace Orrery.Bench.Runtime;

/// <summary>
/// The markdown tables (each side next to its peer and the ratio), the goals with their verdicts,
/// and the results file, which keeps the hand-written notes below <see cref="NotesMarker"/>.
/// </summary>
internal static class ResultsReport
{
    public const string NotesMarker = "<!-- Notes below this line are written by hand and kept when the benchmark rewrites this file. -->";

    private const double CallsGoal = 50_000;
    private const double Http2RatioGoal = 3;
    private const double P99GoalUs = 5_000;

    public static string SmallCallTables(SmallCallResults r)
    {
        var text = new StringBuilder();
        text.AppendLine("### Closed loop: calls kept in flight, median of the runs");
        text.AppendLine();
        text.AppendLine("| in flight | Orrery calls/s | Orrery p50 / p99 (ms) | HTTP/2 calls/s | HTTP/2 p50 / p99 (ms) | Orrery / HTTP/2 | spread of runs (Orrery / HTTP/2) | CPU cores: silo A + silo B, others / driver + Kestrel, others |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in r.ClosedLoop)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Concurrency} | {p.Orrery.CallsPerSecond:N0} | {Ms(p.Orrery.P50Us)} / {Ms(p.Orrery.P99Us)} | {p.Http2.CallsPerSecond:N0} | {Ms(p.Http2.P50Us)} / {Ms(p.Http2.P99Us)} | " +
                $"{p.Orrery.CallsPerSecond / p.Http2.CallsPerSecond:0.00}x | {Spread(p.OrreryRates)} / {Spread(p.Http2Rates)} | " +
                $"{Cores(p.Orrery)} / {Cores(p.Http2)} |"));
        }

        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Peak: Orrery {r.OrreryPeak:N0} calls/s, HTTP/2 {r.Http2Peak:N0} calls/s, ratio {r.OrreryPeak / r.Http2Peak:0.00}x."));
        text.AppendLine();
        text.AppendLine("### Open loop (at half of each side's own peak unless --open-rate set the rate)");
        text.AppendLine();
        text.AppendLine("Call i is due at i / rate. A call whose worker was still busy when it fell due counts from the due time (no");
        text.AppendLine("coordinated omission); one whose worker was waiting on the ~1 ms timer counts from its send.");
        text.AppendLine();
        text.AppendLine("| side | offered calls/s | achieved calls/s | p50 (ms) | p99 (ms) | max (ms) | errors | CPU cores: driver + server, others |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        text.AppendLine(OpenLoopRow("Orrery, silo A → silo B", r.OrreryOpenRate, r.OrreryOpenLoop));
        text.AppendLine(OpenLoopRow("HTTP/2 echo (h2c)", r.Http2OpenRate, r.Http2OpenLoop));
        var errors = r.ClosedLoop.Sum(p => p.Orrery.Errors + p.Http2.Errors);
        if (errors > 0)
        {
            text.AppendLine();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"The reported closed-loop runs had {errors} failed calls."));
        }

        return text.ToString();
    }

    public static string Goals(SmallCallResults? calls)
    {
        var text = new StringBuilder();
        text.AppendLine("| goal | measured | verdict |");
        text.AppendLine("|---|---:|---|");
        if (calls is not null)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| ≥ 50,000 calls/s, silo A → silo B (peak of the closed-loop points) | {calls.OrreryPeak:N0} calls/s | {Verdict(calls.OrreryPeak >= CallsGoal)} |"));
            var ratio = calls.OrreryPeak / calls.Http2Peak;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| ≥ 3x the HTTP/2 echo (peak against peak) | {ratio:0.00}x | {Verdict(ratio >= Http2RatioGoal)} |"));
            var p99 = calls.OrreryOpenLoop.P99Us;
            var atHalf = Math.Abs(calls.OrreryOpenRate - (calls.OrreryPeak / 2)) < 1;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| p99 < 5 ms at half of peak (open loop, {calls.OrreryOpenRate:N0} calls/s offered) | {Ms(p99)} ms | {(atHalf ? Verdict(p99 < P99GoalUs && calls.OrreryOpenLoop.Errors == 0) : "not judged: the rate was set by --open-rate")} |"));
        }


        return text.ToString();
    }

    /// <summary>Writes the results file, keeping whatever follows <see cref="NotesMarker"/> in the previous one and the Orleans tensor section.</summary>
    public static void Write(string path, string generated)
    {
        var notes = "";
        var orleans = "";
        if (File.Exists(path))
        {
            var previous = File.ReadAllText(path);
            var at = previous.IndexOf(NotesMarker, StringComparison.Ordinal);
            if (at >= 0)
            {
                notes = previous[(at + NotesMarker.Length)..].TrimStart('\n');
            }

            // The Orleans tensor section comes from its own run (bench/run-tensors-orleans.sh); keep it.
            orleans = OrleansTensors.OrleansTensorReport.Extract(at >= 0 ? previous[..at] : previous);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var kept = orleans.Length > 0 ? $"{orleans}\n\n" : "";
        File.WriteAllText(path, $"{generated.TrimEnd()}\n\n{kept}{NotesMarker}\n\n{notes}");
    }

    private static string OpenLoopRow(string side, double offered, CallFigures f) => string.Create(CultureInfo.InvariantCulture,
        $"| {side} | {offered:N0} | {f.CallsPerSecond:N0} | {Ms(f.P50Us)} | {Ms(f.P99Us)} | {Ms(f.MaxUs)} | {f.Errors} | {Cores(f)} |");

    private static string Cores(CallFigures f) => string.Create(CultureInfo.InvariantCulture, $"{f.DriverCores:0.00} + {f.ServerCores:0.00}, {f.OtherCores:0.00}");

    private static double Ratio(TransferFigures orrery, TransferFigures raw) => orrery.GigabytesPerSecond / raw.GigabytesPerSecond;

    private static string Spread(double[] rates) =>
        rates.Length < 2 ? "-" : string.Create(CultureInfo.InvariantCulture, $"±{(rates.Max() - rates.Min()) / 2 / rates.Average() * 100:0}%");

    private static string Ms(double microseconds) => (microseconds / 1000).ToString(microseconds < 10_000 ? "0.000" : "0.0", CultureInfo.InvariantCulture);

    private static string Verdict(bool met) => met ? "**met**" : "**missed**";

}
