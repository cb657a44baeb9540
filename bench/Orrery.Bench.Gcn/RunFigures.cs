using System.Globalization;
using System.Text.Json;

namespace Orrery.Bench.Gcn;

/// <summary>
/// One <c>orrery run</c> of the benchmark, read from its output folder <c>NETWORK-sSILOS-MODE</c> (metrics.csv and
/// summary.json): medians over the epochs after the warm-up, and the last epoch's accuracy.
/// </summary>
/// <param name="Network">Where the silos talked: <c>loopback</c>, or the shaped link's name (<c>tbf-1gbit</c>).</param>
/// <param name="Silos">Silo processes, one part each.</param>
/// <param name="Mode">vanilla, pipelined or smoothed.</param>
/// <param name="EpochSeconds">Median wall time of a training step (metrics.csv <c>seconds</c>).</param>
/// <param name="WholeEpochSeconds">
/// Mean wall time of a whole epoch: the training step and, where one ran (every <c>training.evaluate_every</c>
/// epochs and the last), the evaluation pass, through which the pipelined modes' exchanges run on.
/// </param>
/// <param name="EvaluateEvery">Epochs between evaluation passes (summary.json).</param>
/// <param name="FastestEpochSeconds">Shortest timed training step.</param>
/// <param name="SlowestEpochSeconds">Longest timed training step.</param>
/// <param name="ExchangeSeconds">Median time of it spent in the boundary exchanges (<c>exchange_seconds</c>).</param>
/// <param name="ComputeSeconds">Median of the rest: layers, loss, weight gradients, Adam.</param>
/// <param name="TestAccuracy">Test accuracy after the last epoch.</param>
/// <param name="Loss">Training loss of the last epoch.</param>
/// <param name="MegabytesPerEpoch">Boundary bytes moved per epoch (training and evaluation passes), in MB.</param>
/// <param name="DistinctPartSilos">Silos the parts ran on (must equal <paramref name="Silos"/>).</param>
/// <param name="Epochs">Epochs run.</param>
internal sealed record RunFigures(
    string Network, int Silos, string Mode, double EpochSeconds, double WholeEpochSeconds, int EvaluateEvery, double FastestEpochSeconds, double SlowestEpochSeconds, double ExchangeSeconds, double ComputeSeconds,
    double TestAccuracy, double Loss, double MegabytesPerEpoch, int DistinctPartSilos, int Epochs)
{
    public static RunFigures Read(string folder, int warmup)
    {
        var name = Path.GetFileName(folder);
        var fields = name.Split('-');
        if (fields.Length < 3 || !fields[^2].StartsWith('s') || !int.TryParse(fields[^2][1..], CultureInfo.InvariantCulture, out var silos))
        {
            throw new ArgumentException($"{folder}: a run folder is named NETWORK-sSILOS-MODE (loopback-s4-pipelined)");
        }

        // An epoch without an evaluation pass leaves its accuracy cells empty.
        var rows = File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(f => f.Length == 0 ? double.NaN : double.Parse(f, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        if (rows.Length == 0)
        {
            throw new InvalidDataException($"{folder}/metrics.csv has no epochs");
        }

        // metrics.csv: epoch, loss, train, validation, test, seconds, exchange_seconds, evaluation_seconds
        var timed = rows.Length > warmup ? rows[warmup..] : rows;
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var root = summary.RootElement;
        var partSilos = root.GetProperty("part_silos").EnumerateArray().Select(e => e.GetString()).Distinct().Count();
        var bytes = root.GetProperty("exchanged_bytes").GetDouble();
        return new RunFigures(
            string.Join('-', fields[..^2]), silos, fields[^1],
            Median(timed.Select(r => r[5])), timed.Average(r => r[5] + r[7]), root.GetProperty("evaluate_every").GetInt32(), timed.Min(r => r[5]), timed.Max(r => r[5]), Median(timed.Select(r => r[6])), Median(timed.Select(r => r[5] - r[6])),
            rows[^1][4], rows[^1][1], bytes / rows.Length / 1e6, partSilos, rows.Length);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
