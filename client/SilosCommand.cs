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
            var table = new Table().AddColumns("name", "address", "generation", "status", "cores", "gpus", "started", "last alive");
            foreach (var host in hosts.OrderBy(h => h.SiloName, StringComparer.Ordinal))
            {
                var offer = offers.GetValueOrDefault(host.SiloAddress);
                table.AddRow(
                    Markup.Escape(host.SiloName), host.SiloAddress.Endpoint.ToString(), host.SiloAddress.Generation.ToString(CultureInfo.InvariantCulture),
                    host.Status.ToString(), offer is null ? "-" : offer.CpuCores.ToString(CultureInfo.InvariantCulture),
                    offer is null || offer.GpuDevices.Count == 0 ? "-" : Markup.Escape(string.Join(", ", offer.GpuDevices)),
                    host.StartTime.ToString("u", CultureInfo.InvariantCulture), $"{(now - host.IAmAliveTime).TotalSeconds:F1} s ago");
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{hosts.Count(h => h.Status == SiloStatus.Active)} active of {hosts.Length} listed");
            return 0;
        }));
        return command;
    }
}
