using Microsoft.Extensions.Options;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>
/// Turns the errors a user can cause or meet into one clear line and exit code 1, and an interrupt (SIGINT, Ctrl-C,
/// or SIGTERM) into exit code 130 once the command has cleaned up (the job stopped on the cluster, no staging folder).
/// </summary>
internal static class CommandErrors
{
    /// <summary>Exit code of a command stopped by SIGINT (128 + 2, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>How long a command may take to clean up after an interrupt before the process ends regardless.</summary>
    public static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(Func<Task<int>> action, CancellationToken cancellationToken = default)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]orrery: interrupted[/]; the work was stopped and no output was written");
            return Interrupted;
        }
        catch (ExperimentSpecException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]orrery: bad spec:[/] {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or OptionsValidationException or TimeoutException
                                   or Orleans.Runtime.OrleansException or SamplingRequestException or SamplingJobFailedException)
        {
            var kind = e switch
            {
                Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException => "cluster unreachable",
                TimeoutException => "timed out",
                _ => "error",
            };
            AnsiConsole.MarkupLineInterpolated($"[red]orrery: {kind}:[/] {e.Message}");
            return 1;
        }
    }
}
