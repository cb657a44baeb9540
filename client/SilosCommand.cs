using System.CommandLine;
using Orrery.Cluster.Client;
using Orrery.Cluster.Membership;
using Spectre.Console;

namespace Orrery.Client;

/// <summary><c>orrery silos</c>: the membership table as a gateway silo sees it.</summary>
internal static class SilosCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var all = new Option<bool>("--all") { Description = "Include Dead silos" };
        var command = new Command("silos", "Show the cluster's membership table");
        connection.AddTo(command);
        command.Options.Add(all);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            await using var client = await ClusterClient.ConnectAsync(connection.Resolve(parse), cancellationToken: cancellationToken);
            var view = client.View;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var table = new Table().AddColumns("name", "address", "generation", "status", "cores", "memory", "gpus", "heartbeat", "note");
            foreach (var silo in view.Silos.Where(s => parse.GetValue(all) || s.Status != SiloStatus.Dead).OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                var capabilities = silo.Capabilities ?? new SiloCapabilities();
                table.AddRow(
                    Markup.Escape(silo.Name), silo.Endpoint(), silo.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture), silo.Status.StatusText(),
                    capabilities.CpuCores.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{capabilities.MemoryBytes / (1 << 30)} GiB",
                    capabilities.Gpus.Count == 0 ? "-" : Markup.Escape(string.Join(", ", capabilities.Gpus.Select(g => g.Model))),
                    $"{(now - silo.HeartbeatUnixMs) / 1000.0:F1} s ago", Markup.Escape(silo.StatusReason.Length > 0 ? silo.StatusReason : capabilities.DeviceNote));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"membership version {view.Version}: {view.Active.Count} active of {view.Silos.Count} rows");
            return 0;
        }));
        return command;
    }
}
