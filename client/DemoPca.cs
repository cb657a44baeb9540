using Orrery.Contracts.Pca;
using Orrery.Pca.Experiments;
using Spectre.Console;

namespace Orrery.Client;

/// <summary>The PCA part of <c>orrery demo</c>: parallel deflation on a generated matrix with a known eigenbasis, checked against it.</summary>
internal static class DemoPca
{
    /// <summary>Runs K = 8 of a 401 x 200 matrix (lambda_k = 1.1^-k) on 4 shards over the demo's Orleans silos; true when E &lt; 1e-4.</summary>
    public static async Task<bool> RunAsync(Orleans.IGrainFactory grains, CancellationToken cancellationToken)
    {
        GemmNotice.ShowOnce();
        var request = new PcaStartRequest
        {
            Source = new PcaSource { Kind = "generated", Spectrum = "exponential", Dimension = 200, Rows = 401, Seed = 3 },
            Shards = 4,
            Components = 8,
            MaxRounds = 500,
            TargetError = 1e-5,
            Truth = "auto",
            Seed = 1,
        };
        var result = await PcaJob.RunAsync(grains, $"demo-pca-{Guid.NewGuid():N}", request, cancellationToken: cancellationToken);
        var last = result.Result.History[^1];
        var worstEigenvalue = result.Result.Eigenvalues.Select((l, k) => Math.Abs(l - result.Start.TrueEigenvalues[k]) / result.Start.TrueEigenvalues[k]).Max();
        var ok = last.Error < 1e-4;
        var line = $"PCA (parallel deflation): top {request.Components} eigenvectors of a {result.Start.Rows} x {result.Start.Dimension} matrix on {request.Shards} shards over " +
            $"{result.Start.ShardSilos.Distinct().Count()} silos: E = {last.Error:0.00e+0} against the exact eigenbasis after {last.Round} rounds ({result.Seconds:F2} s), eigenvalues within {worstEigenvalue:0.0e+0} relative, ";
        AnsiConsole.MarkupLine(Markup.Escape(line) + (ok ? "[green]ok[/]" : "[red]NOT CONVERGED[/]"));
        return ok;
    }
}
