using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// The <c>orleans-tensors</c> mode: two Orleans silo processes and the raw socket pair on loopback, float32 tensors read
/// by a grain on silo A from a grain on silo B as a <c>TensorRef</c> over the tensor channel, as the bytes of an
/// Orleans message, and by the raw pair, alternated in the same run; prints the table and writes its section of
/// <c>bench/results/runtime.md</c>.
/// </summary>
internal static class OrleansTensorBenchmark
{
    public const string ServiceId = "orrery-bench";
    public const string ClusterId = "orrery-bench";

    /// <summary>A reader grain's whole run is one grain call: 1 GiB at Orleans' ~0.3 GB/s both ways on 2 cores is well under this.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = RuntimeBenchmark.RepositoryRoot();
        OrleansTensorOptions options;
        try
        {
            options = OrleansTensorOptions.Parse(args, root);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"orrery-bench-runtime orleans-tensors: {e.Message}");
            return 2;
        }

        using var run = BenchRun.Begin("Orleans tensor benchmark", "orleans-tensors", args);
        var (stop, command, machine, date, logs) = (run.Stop, run.Command, run.Machine, run.Date, run.Logs);
        Console.WriteLine($"# {options.Describe()}");

        var total = Stopwatch.StartNew();
        var quiet = new QuietGate(options.QuietOtherCores, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(options.QuietBudgetSeconds), stop.Token);
        OrleansTensorResults results;
        try
        {
            await using var cluster = await OrleansTensorCluster.StartAsync(options.MaxMessageBodyMiB, logs);
            await using var raw = await RawSocketPair.StartAsync(logs);
            Console.WriteLine($"# two Orleans silos, the client and the raw pair up after {total.Elapsed.TotalSeconds:0.0} s");
            results = await new OrleansTensorScenario(options, cluster, raw, quiet, stop.Token).RunAsync();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("orrery-bench-runtime orleans-tensors: stopped; nothing written");
            return 130;
        }

        Console.WriteLine($"# done in {total.Elapsed.TotalMinutes:0.0} min, {quiet.Spent.TotalSeconds:0} s of it waiting for a quiet machine");
        var table = OrleansTensorReport.Table(options, results);
        var goals = OrleansTensorReport.Goals(options, results);
        Console.WriteLine();
        Console.WriteLine(table);
        Console.WriteLine(goals);
        if (!options.NoWrite)
        {
            var section = Section(options, machine, date, command, root, total.Elapsed, quiet.Spent, table, goals);
            OrleansTensorReport.Write(options.OutputPath, section);
            Console.WriteLine($"# wrote {options.OutputPath}");
        }

        return 0;
    }

    private static string Section(
        OrleansTensorOptions options, MachineInfo machine, DateTimeOffset date, string command, string root, TimeSpan elapsed, TimeSpan quietWait, string table, string goals)
    {
        var text = new StringBuilder();
        text.AppendLine("## 3. Tensors between two Orleans silo processes: TensorRef against an Orleans message and the raw socket pair");
        text.AppendLine();
        text.AppendLine("Written by `bench/run-tensors-orleans.sh` (`Orrery.Bench.Runtime orleans-tensors`), a run of its own: the sections");
        text.AppendLine("above come from bench/run-runtime.sh's run and are rewritten without touching this one. Two Orleans 10.4.2 silo");
        text.AppendLine("processes (localhost clustering, silo A the primary; `AddTensorChannel` with a random secret and port 0) and an");
        text.AppendLine("Orleans client in the benchmark process. A reader grain pinned on silo A (`PlacementHint.On`) reads a float32");
        text.AppendLine("tensor held by a source grain pinned on silo B and times the reads inside silo A, so the client is only on the");
        text.AppendLine("control path; both ways runs the mirror pair (B reads from A) at the same time. The ways:");
        text.AppendLine();
        text.AppendLine("- **TensorRef**: B puts the tensor once (any number of reads); A's grain `FetchAsync<float>`s it by ref over the");
        text.AppendLine("  tensor channel, each fetch into a new array.");
        text.AppendLine("- **Orleans message**: A's grain calls `ITensorSourceGrain.ReadBytesAsync` on B, which returns the same bytes as a");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"  `byte[]` in the response (MaxMessageBodySize raised to {options.MaxMessageBodyMiB} MiB on the silos; Orleans' default, 100 MiB, is below 256 MiB)."));
        text.AppendLine("- **raw socket**: the raw socket pair of section 2 (two processes, plain TCP, one reused receive buffer, a");
        text.AppendLine("  one-byte acknowledgement per message), the same sizes, counts and reads in flight; \"new array per message\" is");
        text.AppendLine("  the same pair receiving into a fresh array each time, as a fetch does.");
        text.AppendLine();
        text.AppendLine($"- date: {date.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}");
        text.AppendLine($"- command: `{command}`");
        text.AppendLine($"- machine: {machine.Cores} cores (`nproc`), CPU model \"{machine.CpuModel}\" (/proc/cpuinfo), {machine.Memory} memory; {machine.Os}");
        text.AppendLine($"- software: {machine.Runtime}, Orleans 10.4.2; commit {RuntimeBenchmark.GitRevision(root)}");
        text.AppendLine($"- settings: {options.Describe()}");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"- the run took {elapsed.TotalMinutes:0.0} min, {quietWait.TotalSeconds:0} s of it waiting for other programs to leave the CPU before runs"));
        text.AppendLine();
        text.AppendLine(table);
        text.AppendLine("### Goals (Orleans tensors)");
        text.AppendLine();
        text.Append(goals);
        return text.ToString();
    }
}
