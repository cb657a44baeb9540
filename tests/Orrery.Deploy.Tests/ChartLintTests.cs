namespace Orrery.Deploy.Tests;

/// <summary><c>helm lint --strict</c> on the chart, with its defaults and each scenario's values.</summary>
public sealed class ChartLintTests
{
    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task LintStrictPasses(string scenario)
    {
        var lint = await ExternalTool.HelmAsync(["lint", "--strict", Chart.Directory, "--namespace", Chart.Namespace, .. Chart.ValuesArgs(scenario)]);

        Assert.True(lint.ExitCode == 0, $"helm lint --strict ({scenario}) failed: {lint.Output}");
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", lint.Stdout);
        Assert.DoesNotContain("[WARNING]", lint.Stdout);
        Assert.DoesNotContain("[ERROR]", lint.Stdout);
    }
}
