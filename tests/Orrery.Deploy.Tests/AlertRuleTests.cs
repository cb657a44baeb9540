using System.Text.RegularExpressions;

namespace Orrery.Deploy.Tests;

/// <summary>
/// The alert rules the chart renders, checked by <c>promtool check rules</c> and unit-tested by
/// <c>promtool test rules</c> with tests/chart/alerts.test.yaml (a test case per alert).
/// </summary>
public sealed partial class AlertRuleTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("orrery-rules-");

    [Fact]
    public async Task PromtoolChecksTheRules()
    {
        await WriteRulesAsync();

        var check = await ExternalTool.PromtoolAsync(["check", "rules", "rules.yaml"], _directory.FullName);

        Assert.True(check.ExitCode == 0, $"promtool check rules: {check.Output}");
        Assert.Contains("SUCCESS: 11 rules found", check.Stdout);
    }

    [Fact]
    public async Task PromtoolUnitTestsPassWithACasePerAlert()
    {
        var chart = await WriteRulesAsync();
        var tests = Path.Combine(ExternalTool.ChartTestsDirectory, "alerts.test.yaml");
        File.Copy(tests, Path.Combine(_directory.FullName, "alerts.test.yaml"));

        var run = await ExternalTool.PromtoolAsync(["test", "rules", "alerts.test.yaml"], _directory.FullName);

        Assert.True(run.ExitCode == 0, $"promtool test rules: {run.Output}");
        var alerts = MonitoringQueries.Alerts(chart).Select(a => a.Where["alert ".Length..]).Order().ToList();
        var tested = AlertName().Matches(await File.ReadAllTextAsync(tests)).Select(m => m.Groups[1].Value).Distinct().Order().ToList();
        Assert.Equal(alerts, tested);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private async Task<RenderedChart> WriteRulesAsync()
    {
        var chart = await Chart.RenderAsync("monitoring");
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "rules.yaml"), MonitoringQueries.RuleFile(chart));
        return chart;
    }

    [GeneratedRegex("alertname:\\s*(\\w+)")]
    private static partial Regex AlertName();
}
