using System.CommandLine;
using Microsoft.Extensions.Logging;
using Orrery.Cluster.Hosting;
using Orrery.Cluster.Membership;
using Orrery.Diagnostics;
using Spectre.Console;

namespace Orrery.Client;

/// <summary><c>orrery demo</c>: an embedded three-silo cluster on loopback running the diagnostic job.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var silos = new Option<int>("--silos") { Description = "Silos in the embedded cluster", DefaultValueFactory = _ => 3 };
        var calls = new Option<int>("--calls") { Description = "Small grain calls to make", DefaultValueFactory = _ => 20000 };
        var tensorMb = new Option<int>("--tensor-mb") { Description = "Size of the tensor round trip in MiB", DefaultValueFactory = _ => 64 };
        var verbose = new Option<bool>("--verbose") { Description = "Show the silos' logs" };
        var command = new Command("demo", "Start an embedded cluster (nothing else needed) and run the diagnostic job across it");
        command.Options.Add(silos);
        command.Options.Add(calls);
        command.Options.Add(tensorMb);
        command.Options.Add(verbose);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var siloCount = parse.GetValue(silos);
            var callCount = parse.GetValue(calls);
            var megabytes = parse.GetValue(tensorMb);
            if (siloCount is < 1 or > 16)
            {
                throw new ArgumentException($"--silos is {siloCount}; it must be between 1 and 16");
            }

            if (callCount < 1 || megabytes is < 1 or > 1024)
            {
                throw new ArgumentException("--calls must be at least 1 and --tensor-mb between 1 and 1024");
            }

            using var logging = LoggerFactory.Create(b =>
            {
                if (parse.GetValue(verbose))
                {
                    b.AddSimpleConsole(o => o.SingleLine = true);
                }
            });
            AnsiConsole.MarkupLine($"Starting an embedded cluster of [bold]{siloCount}[/] silos on loopback (in-memory membership)...");
            await using var cluster = await EmbeddedCluster.StartAsync(siloCount, [DiagnosticsAssembly.Assembly], logging, cancellationToken: cancellationToken);
            var result = await DiagnosticJob.RunAsync(cluster.Client, callCount, megabytes << 20, cancellationToken);

            var table = new Table().AddColumns("check", "result");
            var perSilo = string.Join(", ", result.CallsPerSilo.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"));
            table.AddRow("silos", string.Join(", ", cluster.Silos.Select(s => $"{s.Name} ({s.Entry.Endpoint()})")));
            table.AddRow("grain calls", $"{result.Calls} in {result.CallsElapsed.TotalSeconds:F2} s = {result.Calls / result.CallsElapsed.TotalSeconds:N0} calls/s; {perSilo}");
            table.AddRow("call chain", $"{result.ChainSilos.Count} hops over {result.ChainSilos.Distinct().Count()} silos: {string.Join(" -> ", result.ChainSilos)}");
            var gbPerSecond = 2.0 * result.TensorBytes / result.TensorElapsed.TotalSeconds / 1e9;
            table.AddRow("tensor round trip", $"{result.TensorBytes >> 20} MiB there and back in {result.TensorElapsed.TotalMilliseconds:F0} ms ({gbPerSecond:F2} GB/s), {(result.TensorIntact ? "intact" : "[red]CORRUPTED[/]")}");
            AnsiConsole.Write(table);
            var ok = result.TensorIntact && result.CallsPerSilo.Count == Math.Min(siloCount, result.CallsPerSilo.Count) && result.ChainSilos.Count == 12;
            await using (var orleans = await EmbeddedOrleans.StartAsync(siloCount, parse.GetValue(verbose), cancellationToken))
            {
                ok &= await DemoSampling.RunAsync(orleans.Client, cancellationToken);
                ok &= await DemoPca.RunAsync(orleans.Client, cancellationToken);
            }

            AnsiConsole.MarkupLine(ok ? "[green]demo passed[/]" : "[red]demo failed[/]");
            return ok ? 0 : 1;
        }));
        return command;
    }
}
