using System.CommandLine;
using Orrery.Diagnostics;
using Spectre.Console;

namespace Orrery.Client;

/// <summary><c>orrery demo</c>: an embedded three-silo Orleans cluster on loopback running the diagnostic job, a sampling job and a PCA run.</summary>
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

            AnsiConsole.MarkupLine($"Starting an embedded Orleans cluster of [bold]{siloCount}[/] silos on loopback (development clustering, mutual TLS)...");
            await using var cluster = await EmbeddedOrleans.StartAsync(siloCount, parse.GetValue(verbose), cancellationToken);
            var result = await DiagnosticJob.RunAsync(cluster.Client, callCount, megabytes << 20, cancellationToken);

            var table = new Table().AddColumns("check", "result");
            var perSilo = string.Join(", ", result.CallsPerSilo.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));
            var silosSeen = await EmbeddedOrleans.Silos(cluster.Client)(cancellationToken);
            table.AddRow("silos", Markup.Escape(string.Join(", ", silosSeen.Select(s => $"{s.Name} ({s.Address.Endpoint})"))));
            table.AddRow("grain calls", $"{result.Calls} in {result.CallsElapsed.TotalSeconds:F2} s = {result.Calls / result.CallsElapsed.TotalSeconds:N0} calls/s; {perSilo}");
            table.AddRow("call chain", $"{result.ChainSilos.Count} hops over {result.ChainSilos.Distinct().Count()} silos: {string.Join(" -> ", result.ChainSilos)}");
            var tensor = result.Tensor;
            var gbPerSecond = 2.0 * tensor.Bytes / tensor.Seconds / 1e9;
            table.AddRow(
                "tensor round trip",
                $"{tensor.Bytes >> 20} MiB {tensor.Silo} -> {tensor.PeerSilo} -> {tensor.Silo} by reference over the tensor channel in {tensor.Seconds * 1000:F0} ms ({gbPerSecond:F2} GB/s), {(tensor.Intact ? "intact" : "[red]CORRUPTED[/]")}");
            AnsiConsole.Write(table);
            var ok = tensor.Intact && result.CallsPerSilo.Count == Math.Min(siloCount, silosSeen.Count) && result.ChainSilos.Count == 12
                && (siloCount == 1 || tensor.PeerSilo != tensor.Silo);
            ok &= await DemoSampling.RunAsync(cluster.Client, cancellationToken);
            ok &= await DemoPca.RunAsync(cluster.Client, cancellationToken);
            ok &= await DemoGcn.RunAsync(cluster.Client, cancellationToken);

            AnsiConsole.MarkupLine(ok ? "[green]demo passed[/]" : "[red]demo failed[/]");
            return ok ? 0 : 1;
        }, cancellationToken));
        return command;
    }
}
