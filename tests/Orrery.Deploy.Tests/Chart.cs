using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Orrery.Deploy.Tests;

/// <summary>
/// The chart helm/orrery rendered with <c>helm template</c> for a scenario (a values file in
/// tests/chart/values, or the defaults), every object validated offline against the Kubernetes
/// and prometheus-operator schemas by tests/chart/validate.mjs.
/// </summary>
internal static class Chart
{
    /// <summary>Release name and namespace every scenario is rendered with.</summary>
    public const string Release = "orrery";

    public const string Namespace = "orrery";

    /// <summary>The scenario that uses the chart's default values.</summary>
    public const string Defaults = "defaults";

    public static readonly string Directory = Path.Combine(ExternalTool.RepositoryRoot, "helm", "orrery");

    private static readonly ConcurrentDictionary<string, Lazy<Task<RenderedChart>>> Rendered = new(StringComparer.Ordinal);

    /// <summary>The scenarios: the defaults and one values file per deployment shape.</summary>
    public static TheoryData<string> Scenarios => new() { Defaults, "cpu-only", "gpu-group", "external-redis", "monitoring" };

    /// <summary>The <c>-f</c> arguments of a scenario.</summary>
    public static string[] ValuesArgs(string scenario) =>
        scenario == Defaults ? [] : ["-f", Path.Combine(ExternalTool.ChartTestsDirectory, "values", scenario + ".yaml")];

    /// <summary><c>helm template</c> with the scenario's values and <paramref name="extraArgs"/>.</summary>
    public static Task<ExternalTool.Result> TemplateAsync(IEnumerable<string> valuesArgs, params string[] extraArgs) =>
        ExternalTool.HelmAsync(["template", Release, Directory, "--namespace", Namespace, .. valuesArgs, .. extraArgs]);

    /// <summary>Renders and validates a scenario once per test run.</summary>
    public static Task<RenderedChart> RenderAsync(string scenario) =>
        Rendered.GetOrAdd(scenario, s => new Lazy<Task<RenderedChart>>(() => RenderNowAsync(s))).Value;

    /// <summary>Renders and validates a scenario anew (fresh generated secrets and certificates each time).</summary>
    public static Task<RenderedChart> RenderUncachedAsync(string scenario) => RenderNowAsync(scenario);

    private static async Task<RenderedChart> RenderNowAsync(string scenario)
    {
        var template = await TemplateAsync(ValuesArgs(scenario));
        if (template.ExitCode != 0)
        {
            throw new InvalidOperationException($"helm template failed for scenario {scenario}: {template.Output}");
        }

        var file = Path.Combine(Path.GetTempPath(), $"orrery-chart-{scenario}-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, template.Stdout);
        try
        {
            var validation = await ExternalTool.NodeAsync(["validate.mjs", file]);
            if (validation.ExitCode != 0)
            {
                throw new InvalidOperationException($"validate.mjs failed for scenario {scenario}: {validation.Output}");
            }

            var report = JsonNode.Parse(validation.Stdout)!.AsObject();
            return new RenderedChart(
                scenario,
                [.. report["objects"]!.AsArray().Select(o => o!.AsObject())],
                [.. report["problems"]!.AsArray().Select(p => p!.GetValue<string>())]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
