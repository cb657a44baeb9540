using System.CommandLine;
using Orrery.Cluster.Client;
using Orrery.Cluster.Membership;
using Spectre.Console;

namespace Orrery.Client;

/// <summary><c>orrery ping</c>: a round trip to every Active silo, proving the address, secret and transport.</summary>
internal static class PingCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var command = new Command("ping", "Ping every Active silo of a cluster over the transport");
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            await using var client = await ClusterClient.ConnectAsync(connection.Resolve(parse), cancellationToken: cancellationToken);
            var failures = 0;
            foreach (var silo in client.View.Active)
            {
                try
                {
                    var (reply, roundTrip) = await client.PingAsync(silo.Endpoint(), cancellationToken);
                    AnsiConsole.MarkupLineInterpolated($"{silo.Name} ({silo.Endpoint()}): {reply.Status.StatusText()}, generation {reply.SiloGeneration}, {roundTrip.TotalMilliseconds:F2} ms");
                }
                catch (Cluster.Errors.OrreryCallException e)
                {
                    failures++;
                    AnsiConsole.MarkupLineInterpolated($"[red]{silo.Name} ({silo.Endpoint()}): {e.Message}[/]");
                }
            }

            return failures == 0 ? 0 : 1;
        }));
        return command;
    }
}
