using System.CommandLine;
using System.Diagnostics;
using Orleans;
using Orrery.Cluster.Placement;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Diagnostics;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>
/// <c>orrery ping</c>: a grain call to every active silo through the gateway (a ping grain placed on each), proving the
/// address, the certificate and the silo-to-silo path, with the round trip of a second call.
/// </summary>
internal static class PingCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var command = new Command("ping", "Call a grain on every active silo of a cluster and time the round trip");
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken, ConnectionOptions.DefaultGateway);
            var silos = await client.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var failures = 0;
            foreach (var silo in silos)
            {
                try
                {
                    // A fresh key, so the hint places a new activation on that silo; the second call is timed.
                    var grain = client.Client.GetGrain<IPingGrain>(Random.Shared.NextInt64());
                    SiloWhere where;
                    using (PlacementHint.On(silo.Address))
                    {
                        where = await grain.WhereAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                    }

                    var watch = Stopwatch.StartNew();
                    await grain.WhereAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                    var roundTrip = watch.Elapsed;
                    if (!where.Address.Equals(silo.Address))
                    {
                        failures++;
                        AnsiConsole.MarkupLineInterpolated($"[red]{silo.Name} ({silo.Address.Endpoint}): the ping grain was placed on {where.Name} instead[/]");
                        continue;
                    }

                    AnsiConsole.MarkupLineInterpolated($"{silo.Name} ({silo.Address.Endpoint}): active, generation {silo.Address.Generation}, {roundTrip.TotalMilliseconds:F2} ms");
                }
                catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException)
                {
                    failures++;
                    AnsiConsole.MarkupLineInterpolated($"[red]{silo.Name} ({silo.Address.Endpoint}): {e.Message}[/]");
                }
            }

            return failures == 0 ? 0 : 1;
        }, cancellationToken));
        return command;
    }
}
