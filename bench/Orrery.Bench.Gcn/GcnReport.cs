using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Orrery.Bench.Gcn;

/// <summary>
/// <c>report</c>: the markdown tables of a bench/run-gcn.sh output folder: every run under <c>runs/</c>
/// (<see cref="RunFigures"/>), the PyTorch peer's <c>torch.json</c>, the measured link rates of <c>links.csv</c>, and
/// the issue's goals checked against them (pipelined at least 1.5x vanilla at 4 parts on shaped links at equal
/// accuracy; Orrery on one silo no slower per epoch than PyTorch).
/// </summary>
internal static class GcnReport
{
    /// <summary>How far (absolute) pipelined's final test accuracy may fall below vanilla's and still count as equal accuracy.</summary>
    private const double AccuracyMargin = 0.01;

    public static int Run(BenchArguments arguments)
    {
        var folder = arguments.Required("dir");
        var warmup = arguments.Int("warmup", 3);
        var runsFolder = Path.Combine(folder, "runs");
        var runs = Directory.Exists(runsFolder)
            ? Directory.GetDirectories(runsFolder).Where(d => File.Exists(Path.Combine(d, "metrics.csv"))).Select(d => RunFigures.Read(d, warmup)).ToList()
            : [];
        var text = new StringBuilder();
        var epochs = runs.Count > 0 ? runs.Max(r => r.Epochs) : 0;
        text.Append(Invariant($"Medians over epochs {warmup + 1}..{epochs} (the first {warmup} are warm-up); accuracy after the last epoch. "));
        text.AppendLine("Step = one training step (forward, loss, backward, weight-gradient sum, Adam), the evaluation pass excluded on both sides; " +
            "exchange = time the coordinator spent waiting for boundary-row and boundary-gradient exchanges in the step, compute = the rest; " +
            "whole epoch = mean of step + evaluation pass where one ran (every training.evaluate_every epochs and the last), over the same epochs: " +
            "the pipelined modes' exchanges run on through the evaluation, so their throughput is compared on whole epochs.");
        text.AppendLine();

        var loopback = runs.Where(r => r.Network == "loopback").OrderBy(r => r.Silos).ThenBy(r => ModeOrder(r.Mode)).ToList();
        if (loopback.Count > 0)
        {
            text.AppendLine("#### Loopback: 1, 2, 4 silo processes, one part each");
            text.AppendLine();
            RunTable(text, loopback);
            var ones = loopback.Where(r => r.Silos == 1).ToList();
            if (ones.Count > 1)
            {
                // One part has no halo: every mode runs the same computation to the bit, so these runs measure the noise.
                double fastest = ones.Min(r => r.EpochSeconds), slowest = ones.Max(r => r.EpochSeconds);
                var same = ones.All(r => r.Loss.Equals(ones[0].Loss)) ? "the same final loss to the bit" : "yet their final losses DIFFER";
                text.AppendLine(Invariant(
                    $"With one part there is no halo and the {ones.Count} modes are one computation ({same}): their medians, {fastest:F3}-{slowest:F3} s ({slowest / fastest - 1:P0} apart), show the run-to-run noise of this machine."));
                text.AppendLine();
            }
        }

        var torch = ReadTorch(Path.Combine(folder, "torch.json"));
        var single = loopback.FirstOrDefault(r => r.Silos == 1 && r.Mode == "vanilla") ?? loopback.FirstOrDefault(r => r.Silos == 1);
        if (torch is { } peer)
        {
            text.AppendLine(Invariant($"#### PyTorch peer (same files, same model, float32, torch.sparse, {peer.Threads} threads)"));
            text.AppendLine();
            text.AppendLine("| implementation | epoch s | evaluation s | final loss | test accuracy |");
            text.AppendLine("|---|---:|---:|---:|---:|");
            if (single is not null)
            {
                text.AppendLine(Invariant($"| Orrery, 1 silo, {single.Mode} | {single.EpochSeconds:F3} | - | {single.Loss:F4} | {single.TestAccuracy:F4} |"));
            }

            text.AppendLine(Invariant($"| PyTorch {peer.Version} CPU | {peer.EpochSeconds:F3} | {peer.EvalSeconds:F3} | {peer.Loss:F4} | {peer.TestAccuracy:F4} |"));
            if (single is not null)
            {
                text.AppendLine(Invariant($"| **Orrery / PyTorch epoch time** | **{single.EpochSeconds / peer.EpochSeconds:F2}x** | | | |"));
            }

            text.AppendLine();
            if (peer.CheckTestAccuracy is { } check && single is not null)
            {
                text.AppendLine(Invariant($"Same model: the peer's forward pass with the weights Orrery's 1-silo run ended with gives test accuracy {check:F4}; that run's own last evaluation gave {single.TestAccuracy:F4}."));
                text.AppendLine();
            }
        }

        var shaped = runs.Where(r => r.Network != "loopback").ToList();
        var rates = ReadLinks(Path.Combine(folder, "links.csv"));
        var speedUps = new List<(string Link, int Parts, double SpeedUp, double StepSpeedUp, double Bound, double AccuracyGap)>();
        if (shaped.Count > 0)
        {
            text.AppendLine("#### Shaped links: silos in network namespaces, veth pairs to a bridge, each direction of each veth shaped with tc");
            text.AppendLine();
            foreach (var link in shaped.Select(r => r.Network).Distinct().OrderByDescending(LinkBits))
            {
                var measured = rates.TryGetValue(link, out var gbits) ? Invariant($", measured {gbits:F2} Gbit/s one TCP stream") : "";
                text.AppendLine(Invariant($"{link}{measured}:"));
                text.AppendLine();
                var rows = shaped.Where(r => r.Network == link).OrderBy(r => r.Silos).ThenBy(r => ModeOrder(r.Mode)).ToList();
                RunTable(text, rows);
                var parts = rows.Max(r => r.Silos);
                var vanilla = rows.FirstOrDefault(r => r.Mode == "vanilla" && r.Silos == parts);
                var pipelined = rows.FirstOrDefault(r => r.Mode == "pipelined" && r.Silos == parts);
                if (vanilla is not null && pipelined is not null)
                {
                    // If the exchange hid completely behind the compute, a step would take max(compute, exchange). The
                    // throughput compared is that of whole epochs (step and the evaluation passes that ran), since the
                    // pipelined exchanges run on through the evaluation.
                    var bound = vanilla.EpochSeconds / Math.Max(vanilla.ComputeSeconds, vanilla.ExchangeSeconds);
                    speedUps.Add((link, parts, vanilla.WholeEpochSeconds / pipelined.WholeEpochSeconds, vanilla.EpochSeconds / pipelined.EpochSeconds, bound,
                        pipelined.TestAccuracy - vanilla.TestAccuracy));
                }
            }

            var every = shaped.Select(r => r.EvaluateEvery).Distinct().ToArray();
            text.AppendLine(Invariant($"Evaluated every {string.Join("/", every)} epoch(s) and after the last."));
            text.AppendLine();
            text.AppendLine("| link | parts | pipelined / vanilla throughput, whole epochs | training steps alone | bound with the exchange fully hidden: vanilla step / max(compute, exchange) | test accuracy pipelined - vanilla |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var (link, parts, speedUp, stepSpeedUp, bound, gap) in speedUps)
            {
                text.AppendLine(Invariant($"| {link} | {parts} | **{speedUp:F2}x** | {stepSpeedUp:F2}x | {bound:F2}x | {gap:+0.0000;-0.0000;0.0000} |"));
            }

            text.AppendLine();
        }

        text.AppendLine("#### Goals");
        text.AppendLine();
        foreach (var (link, parts, speedUp, _, _, gap) in speedUps)
        {
            var met = speedUp >= 1.5 && gap >= -AccuracyMargin;
            var note = parts == 4 ? "" : " (the goal is stated for 4 parts)";
            text.AppendLine(Invariant(
                $"- pipelined >= 1.5x vanilla's throughput (whole epochs) at {parts} parts, {link}, accuracy no more than {AccuracyMargin:F2} below vanilla's: {(met ? "met" : "NOT met")} ({speedUp:F2}x, accuracy {gap:+0.0000;-0.0000;0.0000}){note}"));
        }

        if (torch is { } p && single is not null)
        {
            var ratio = single.EpochSeconds / p.EpochSeconds;
            text.AppendLine(Invariant($"- Orrery on 1 silo no slower per epoch than PyTorch: {(ratio <= 1 ? "met" : "NOT met")} (Orrery / PyTorch = {ratio:F2}x)"));
        }

        foreach (var wrong in runs.Where(r => r.DistinctPartSilos != r.Silos))
        {
            text.AppendLine(Invariant($"- WARNING: {wrong.Network}-s{wrong.Silos}-{wrong.Mode} ran its {wrong.Silos} parts on {wrong.DistinctPartSilos} silos"));
        }

        Console.Write(text.ToString());
        return 0;
    }

    private static void RunTable(StringBuilder text, List<RunFigures> rows)
    {
        text.AppendLine("| silos = parts | mode | step s | fastest-slowest | compute s | exchange s | exchange share | whole epoch s (evaluated every) | MB exchanged / epoch | final loss | test accuracy | whole epochs vs vanilla, same silos |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            var vanilla = rows.FirstOrDefault(v => v.Silos == r.Silos && v.Mode == "vanilla");
            var relative = vanilla is null ? "-" : Invariant($"{vanilla.WholeEpochSeconds / r.WholeEpochSeconds:F2}x");
            text.AppendLine(Invariant(
                $"| {r.Silos} | {r.Mode} | {r.EpochSeconds:F3} | {r.FastestEpochSeconds:F2}-{r.SlowestEpochSeconds:F2} | {r.ComputeSeconds:F3} | {r.ExchangeSeconds:F3} | {r.ExchangeSeconds / r.EpochSeconds:P0} | {r.WholeEpochSeconds:F3} ({r.EvaluateEvery}) | {r.MegabytesPerEpoch:F1} | {r.Loss:F4} | {r.TestAccuracy:F4} | {relative} |"));
        }

        text.AppendLine();
    }

    private static int ModeOrder(string mode) => mode switch { "vanilla" => 0, "pipelined" => 1, _ => 2 };

    /// <summary>Link rate in bits per second from a name like tbf-10gbit (for ordering).</summary>
    private static double LinkBits(string link)
    {
        var rate = link.Split('-')[^1];
        var scale = rate.EndsWith("gbit", StringComparison.Ordinal) ? 1e9 : rate.EndsWith("mbit", StringComparison.Ordinal) ? 1e6 : 1;
        return double.TryParse(rate.TrimEnd('g', 'm', 'b', 'i', 't'), CultureInfo.InvariantCulture, out var value) ? value * scale : 0;
    }

    private static Dictionary<string, double> ReadLinks(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).Where(f => f.Length == 2)
                .ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture))
            : [];

    private static TorchFigures? ReadTorch(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        double? check = root.TryGetProperty("orrery_weights_check", out var c) && c.ValueKind == JsonValueKind.Object ? c.GetProperty("test_accuracy").GetDouble() : null;
        return new TorchFigures(root.GetProperty("torch").GetString() ?? "", root.GetProperty("threads").GetInt32(),
            root.GetProperty("median_epoch_seconds").GetDouble(), root.GetProperty("median_eval_seconds").GetDouble(),
            root.GetProperty("final_loss").GetDouble(), root.GetProperty("test_accuracy").GetDouble(), check);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record TorchFigures(string Version, int Threads, double EpochSeconds, double EvalSeconds, double Loss, double TestAccuracy, double? CheckTestAccuracy);
}
