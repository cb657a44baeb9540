using System.Diagnostics;
using System.Globalization;
using System.Text;
using Orrery.Testing;

namespace Orrery.Bench.Runtime;

/// <summary>
/// The benchmark run: starts Redis and two silos, runs the small-call scenario against the
/// HTTP/2 echo peer and the tensor scenario against the raw socket pair, prints the tables and
/// writes the results file. Ctrl-C stops after the current run and still cleans up every process.
/// </summary>
internal static class RuntimeBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = RepositoryRoot();
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args, root);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"orrery-bench-runtime: {e.Message}");
            return 2;
        }

        using var run = BenchRun.Begin("Orrery runtime benchmark", "", args);
        var (stop, command, machine, date, logs) = (run.Stop, run.Command, run.Machine, run.Date, run.Logs);
        Console.WriteLine($"# {options.Describe()}");

        var calls = new List<SmallCallResults>();
        var total = Stopwatch.StartNew();
        var quiet = new QuietGate(options.QuietOtherCores, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(options.QuietBudgetSeconds), stop.Token);
        try
        {
            await using var cluster = await SiloCluster.StartAsync(options, logs);
            Console.WriteLine($"# redis-server and two silos up after {total.Elapsed.TotalSeconds:0.0} s");
            var port = FreePort.Next();
            await using var server = ChildProcess.StartSelf("h2-echo", ["serve-h2", port.ToString(CultureInfo.InvariantCulture)], logs);
            var ready = await server.ReadLineAsync(TimeSpan.FromSeconds(30));
            if (ready != "ready")
            {
                throw new InvalidOperationException($"the HTTP/2 echo server said '{ready}'; see {server.LogPath}");
            }

            using var driver = new H2EchoDriver(port);
            foreach (var route in options.Routes)
            {
                Console.WriteLine($"## small calls, {route}");
                var results = await new SmallCallScenario(options, route, cluster, driver, server, quiet, stop.Token).RunAsync();
                calls.Add(results);
                Console.WriteLine();
                Console.WriteLine(ResultsReport.SmallCallTables(results));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("orrery-bench-runtime: stopped; nothing written");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or Orleans.Runtime.OrleansException)
        {
            await Console.Error.WriteLineAsync($"orrery-bench-runtime: {e.Message}");
            return 1;
        }

        Console.WriteLine($"# done in {total.Elapsed.TotalMinutes:0.0} min, {quiet.Spent.TotalSeconds:0} s of it waiting for a quiet machine");
        var report = Report(options, machine, date, command, root, total.Elapsed, quiet.Spent, calls);
        Console.WriteLine();
        Console.WriteLine(ResultsReport.Goals(calls));
        if (!options.NoWrite)
        {
            ResultsReport.Write(options.OutputPath, report);
            Console.WriteLine($"# wrote {options.OutputPath}");
        }

        return 0;
    }

    private static string Report(
        BenchOptions options, MachineInfo machine, DateTimeOffset date, string command, string root, TimeSpan elapsed, TimeSpan quietWait,
        List<SmallCallResults> calls)
    {
        var text = new StringBuilder();
        text.AppendLine("# Runtime benchmark: small Orleans grain calls between processes, and tensor transfers between two silo processes");
        text.AppendLine();
        text.AppendLine("Written by `bench/Orrery.Bench.Runtime` (run through `bench/run-runtime.sh`). One run starts a real");
        text.AppendLine("`redis-server` and two real `orrery-silo` processes (Release, Orleans 10.4.2, Redis clustering) on loopback,");
        text.AppendLine("and measures small calls next to a Kestrel HTTP/2 (h2c) echo endpoint in a separate process, driven by");
        text.AppendLine("`HttpClient` in the benchmark process through the same load loop (`Orrery.Diagnostics.LoadDriver`) that the");
        text.AppendLine("load grain and the benchmark's Orleans client use. Orrery's previous runtime (deleted by the move onto");
        text.AppendLine("Orleans) is measured against the same peer by `bench/run-runtime-previous.sh`; its figures are in the notes.");
        text.AppendLine();
        text.AppendLine($"- date: {date.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}");
        text.AppendLine($"- command: `{command}`");
        text.AppendLine($"- machine: {machine.Cores} cores (`nproc`), CPU model \"{machine.CpuModel}\" (/proc/cpuinfo), {machine.Memory} memory; {machine.Os}");
        text.AppendLine($"- software: {machine.Runtime}; commit {GitRevision(root)}");
        text.AppendLine($"- settings: {options.Describe()}");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"- the run took {elapsed.TotalMinutes:0.0} min, {quietWait.TotalSeconds:0} s of it waiting for other programs to leave the CPU before runs (the machine is shared; \"others\" in the CPU columns is what they still used during each run)"));
        text.AppendLine();
        var section = 1;
        foreach (var results in calls)
        {
            text.AppendLine(ResultsReport.RouteHeading(section++, results.Route));
            text.AppendLine();
            text.AppendLine(ResultsReport.SmallCallTables(results));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"All {results.CallsMade:N0} echo calls of this route were answered in another process than the caller's."));
            text.AppendLine();
        }

        text.AppendLine("## Goals");
        text.AppendLine();
        text.AppendLine(ResultsReport.Goals(calls));
        return text.ToString();
    }

    /// <summary>The directory holding Orrery.slnx above this program (the silo and the results file are found from it).</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orrery.slnx")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    internal static string GitRevision(string root)
    {
        try
        {
            var head = Git(root, "rev-parse --short HEAD");
            // The results file this run is about to rewrite does not count as a change.
            var dirty = Git(root, "status --porcelain --untracked-files=no -- . :!bench/results").Length > 0;
            return dirty ? $"{head} with uncommitted changes" : head;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "unknown (no git)";
        }
    }

    private static string Git(string root, string arguments)
    {
        using var git = Process.Start(new ProcessStartInfo("git", $"-C \"{root}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("git did not start");
        var output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? output : throw new InvalidOperationException($"git {arguments} failed");
    }

}
