using YamlDotNet.RepresentationModel;

namespace Orrery.Deploy.Tests;

/// <summary>
/// Every experiment spec the chart and its tests carry (experiment.spec in helm/orrery/values.yaml and in each
/// tests/chart/values file, and the example file the render tests pass with --set-file) goes through the client's own
/// checker, the built <c>orrery check</c>, as the experiment Job's <c>orrery run</c> would read it. Catches a values file
/// whose Job would fail at once on a spec the client rejects (as the monitoring values did on a real API server).
/// </summary>
public sealed class ChartExperimentSpecTests
{
    /// <summary>A sampling example spec of the repository, used by the render tests as an experiment spec.</summary>
    public static readonly string StarExitExample = Path.Combine(ExternalTool.RepositoryRoot, "src", "Orrery.MetricGraphs", "Examples", "star-exit.yaml");

    private static readonly TimeSpan ClientLimit = TimeSpan.FromSeconds(60);

    /// <summary>(where it comes from, the spec text) for every spec of the chart and its test values.</summary>
    public static IReadOnlyList<(string Source, string Spec)> ChartSpecs()
    {
        var files = new List<string> { Path.Combine(Chart.Directory, "values.yaml") };
        files.AddRange(Directory.GetFiles(Path.Combine(ExternalTool.ChartTestsDirectory, "values"), "*.yaml").Order(StringComparer.Ordinal));
        var specs = new List<(string, string)>();
        foreach (var file in files)
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(File.ReadAllText(file)));
            if (yaml.Documents[0].RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("experiment"), out var experiment)
                && experiment is YamlMappingNode fields
                && fields.Children.TryGetValue(new YamlScalarNode("spec"), out var spec)
                && spec is YamlScalarNode { Value: { Length: > 0 } text })
            {
                specs.Add((Path.GetRelativePath(ExternalTool.RepositoryRoot, file), text));
            }
        }

        specs.Add((Path.GetRelativePath(ExternalTool.RepositoryRoot, StarExitExample), File.ReadAllText(StarExitExample)));
        return specs;
    }

    [Fact]
    public async Task EverySpecOfTheChartAndItsTestValuesPassesTheClientsChecker()
    {
        var specs = ChartSpecs();
        Assert.Contains(specs, s => s.Source.EndsWith("monitoring.yaml", StringComparison.Ordinal));
        var folder = Directory.CreateTempSubdirectory("orrery-chart-specs-");
        try
        {
            var paths = new List<string>();
            foreach (var (source, spec) in specs)
            {
                var path = Path.Combine(folder.FullName, source.Replace('/', '_'));
                await File.WriteAllTextAsync(path, spec);
                paths.Add(path);
            }

            var (code, output) = await Orrery.Testing.Executables.RunClientAsync(ClientLimit, ["check", .. paths]);
            Assert.True(code == 0, $"orrery check refused a spec of the chart or its tests:\n{output}");
            Assert.Equal(specs.Count, System.Text.RegularExpressions.Regex.Matches(output, @"ok \S+: a \w+ experiment").Count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheCheckerRefusesTheSpecTheMonitoringValuesOnceHeldNamingFileAndField()
    {
        var file = Path.Combine(Path.GetTempPath(), $"orrery-old-spec-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "workload: diagnostics\ncalls: 20000\n");
        try
        {
            var (code, output) = await Orrery.Testing.Executables.RunClientAsync(ClientLimit, "check", file);
            Assert.Equal(1, code);
            Assert.Contains($"{file}:1:1", output);
            Assert.Contains("'kind' is missing", output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
