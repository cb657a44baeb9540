using System.CommandLine;
using System.Globalization;
using Orleans;
using Orleans.Runtime;
using Orrery.Contracts.Cluster;
using Spectre.Console;

namespace Orrery.Client;

/// <summary><c>orrery silos</c>: the cluster's Orleans membership (management grain) with what each active silo offers.</summary>
internal static class SilosCommand
{
    private static readonly string[] Columns = ["name", "address", "generation", "status", "cores", "gpus", "started", "last alive"];

    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var all = new Option<bool>("--all") { Description = "Include silos that are dead or leaving" };
        var command = new Command("silos", "Show the cluster's silos: status, address, cores and GPUs");
        connection.AddTo(command);
        command.Options.Add(all);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken, ConnectionOptions.DefaultGateway);
            var deadline = TimeSpan.FromSeconds(30);
            var hosts = await client.Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: !parse.GetValue(all)).WaitAsync(deadline, cancellationToken);
            var offers = (await client.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync().WaitAsync(deadline, cancellationToken))
                .ToDictionary(s => s.Address);
            var now = DateTime.UtcNow;
            var rows = hosts.OrderBy(h => h.SiloName, StringComparer.Ordinal).Select(host =>
            {
                var offer = offers.GetValueOrDefault(host.SiloAddress);
                return new[]
                {
                    host.SiloName, host.SiloAddress.Endpoint.ToString(), host.SiloAddress.Generation.ToString(CultureInfo.InvariantCulture),
                    host.Status.ToString(), offer is null ? "-" : offer.CpuCores.ToString(CultureInfo.InvariantCulture),
                    offer is null || offer.GpuDevices.Count == 0 ? "-" : string.Join(",", offer.GpuDevices),
                    host.StartTime.ToString("u", CultureInfo.InvariantCulture), $"{(now - host.IAmAliveTime).TotalSeconds:F1} s ago",
                };
            }).ToList();
            if (Console.IsOutputRedirected)
            {
                // Pipes and files: one plain line per silo (a table would wrap at the default width), fields
                // separated by tabs, the header first.
                Console.WriteLine(string.Join('\t', Columns));
                foreach (var row in rows)
                {
                    Console.WriteLine(string.Join('\t', row.Select(PlainField)));
                }

                Console.WriteLine($"{hosts.Count(h => h.Status == SiloStatus.Active)} active of {hosts.Length} listed");
                return 0;
            }

            var table = new Table().AddColumns(Columns);
            foreach (var row in rows)
            {
                table.AddRow([.. row.Select(Markup.Escape)]);
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{hosts.Count(h => h.Status == SiloStatus.Active)} active of {hosts.Length} listed");
            return 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>A field for the plain form: no tabs or line breaks inside (a silo name could hold them).</summary>
    private static string PlainField(string field) => field.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
