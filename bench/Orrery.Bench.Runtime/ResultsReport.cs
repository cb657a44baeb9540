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

    private const double CallsGoal = 100_000;
    private const int CallsGoalConcurrency = 256;
    private const double Http2RatioGoal = 1.5;
    private const double P99GoalUs = 5_000;

    public static string RouteHeading(int section, CallRoute route) => route switch
    {
        CallRoute.SiloToSilo =>
            $"## {section}. Small grain calls, silo A → silo B, against an HTTP/2 echo\n\n" +
            "The load grain on silo A calls `IEchoGrain.PeekAsync` (`[AlwaysInterleave]`) on 64 echo grains pinned to silo B;\n" +
            "`HttpClient` in the benchmark process posts the same 3-byte body to `POST /echo` on Kestrel.",
        _ =>
            $"## {section}. Small grain calls, Orleans client → both silos, against an HTTP/2 echo\n\n" +
            "The benchmark process's Orleans client (both silos as gateways) calls `IEchoGrain.PeekAsync` on 64 echo grains,\n" +
            "32 pinned to each silo; `HttpClient` in the same process posts the same 3-byte body to `POST /echo` on Kestrel.",
    };

    public static string SmallCallTables(SmallCallResults r)
    {
        var text = new StringBuilder();
        text.AppendLine("### Closed loop: calls kept in flight, median of the runs");
        text.AppendLine();
        text.AppendLine("| in flight | Orleans calls/s | Orleans p50 / p99 (ms) | HTTP/2 calls/s | HTTP/2 p50 / p99 (ms) | Orleans / HTTP/2 | spread of runs (Orleans / HTTP/2) | CPU cores: caller + callee(s), others / driver + Kestrel, others |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in r.ClosedLoop)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Concurrency} | {p.Orrery.CallsPerSecond:N0} | {Ms(p.Orrery.P50Us)} / {Ms(p.Orrery.P99Us)} | {p.Http2.CallsPerSecond:N0} | {Ms(p.Http2.P50Us)} / {Ms(p.Http2.P99Us)} | " +
                $"{p.Orrery.CallsPerSecond / p.Http2.CallsPerSecond:0.00}x | {Spread(p.OrreryRates)} / {Spread(p.Http2Rates)} | " +
                $"{Cores(p.Orrery)} / {Cores(p.Http2)} |"));
        }

        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Peak: Orleans {r.OrreryPeak:N0} calls/s, HTTP/2 {r.Http2Peak:N0} calls/s, ratio {r.OrreryPeak / r.Http2Peak:0.00}x."));
        text.AppendLine();
        text.AppendLine("### Open loop (at half of each side's own peak unless --open-rate set the rate)");
        text.AppendLine();
        text.AppendLine("Call i is due at i / rate; one pacer sends every call that is due and sleeps on a ~1 ms timer in between. A call");
        text.AppendLine("that fell due while the pacer waited for one of the 512 slots counts from its due time (no coordinated omission);");
        text.AppendLine("the others count from their send.");
        text.AppendLine();
        text.AppendLine("| side | offered calls/s | achieved calls/s | p50 (ms) | p99 (ms) | max (ms) | errors | CPU cores: driver + server, others |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        text.AppendLine(OpenLoopRow(r.Route == CallRoute.SiloToSilo ? "Orleans, silo A → silo B" : "Orleans, client → silos", r.OrreryOpenRate, r.OrreryOpenLoop));
        text.AppendLine(OpenLoopRow("HTTP/2 echo (h2c)", r.Http2OpenRate, r.Http2OpenLoop));
        var errors = r.ClosedLoop.Sum(p => p.Orrery.Errors + p.Http2.Errors);
        if (errors > 0)
        {
            text.AppendLine();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"The reported closed-loop runs had {errors} failed calls."));
        }

        return text.ToString();
    }

    public static string Goals(IReadOnlyList<SmallCallResults> calls)
    {
        var text = new StringBuilder();
        text.AppendLine("| goal | measured | verdict |");
        text.AppendLine("|---|---:|---|");
        foreach (var r in calls)
        {
            var route = r.Route == CallRoute.SiloToSilo ? "silo A → silo B" : "client → silos";
            if (r.Route == CallRoute.ClientToSilos && r.ClosedLoop.FirstOrDefault(p => p.Concurrency == CallsGoalConcurrency) is { } at256)
            {
                var rate = at256.Orrery.CallsPerSecond;
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| ≥ 100,000 calls/s, client → silos, 256 in flight | {rate:N0} calls/s | {Verdict(rate >= CallsGoal)} |"));
            }

            var ratio = r.OrreryPeak / r.Http2Peak;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| ≥ 1.5x the HTTP/2 echo (peak against peak), {route} | {ratio:0.00}x | {Verdict(ratio >= Http2RatioGoal)} |"));
            var p99 = r.OrreryOpenLoop.P99Us;
            var atHalf = Math.Abs(r.OrreryOpenRate - (r.OrreryPeak / 2)) < 1;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| p99 < 5 ms at half of peak, {route} (open loop, {r.OrreryOpenRate:N0} calls/s offered) | {Ms(p99)} ms | {(atHalf ? Verdict(p99 < P99GoalUs && r.OrreryOpenLoop.Errors == 0) : "not judged: the rate was set by --open-rate")} |"));
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

    private static string Spread(double[] rates) =>
        rates.Length < 2 ? "-" : string.Create(CultureInfo.InvariantCulture, $"±{(rates.Max() - rates.Min()) / 2 / rates.Average() * 100:0}%");

    private static string Ms(double microseconds) => (microseconds / 1000).ToString(microseconds < 10_000 ? "0.000" : "0.0", CultureInfo.InvariantCulture);

    private static string Verdict(bool met) => met ? "**met**" : "**missed**";

}
