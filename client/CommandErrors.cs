using Microsoft.Extensions.Options;
using Orrery.Contracts.MetricGraphs;
using Orrery.Experiments;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>Turns the errors a user can cause or meet into one clear line and exit code 1.</summary>
internal static class CommandErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ExperimentSpecException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]orrery: bad spec:[/] {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or OptionsValidationException or TimeoutException
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
