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

    [Fact]
    public async Task NotesTellHowToReachTheClusterAndRunAnExperiment()
    {
        var install = await ExternalTool.HelmAsync(["install", Chart.Release, Chart.Directory, "--namespace", Chart.Namespace, "--dry-run=client"]);

        Assert.True(install.ExitCode == 0, install.Output);
        var notes = install.Stdout[install.Stdout.IndexOf("NOTES:", StringComparison.Ordinal)..];
        Assert.Contains($"--env=ORRERY_GATEWAY={Chart.Release}.{Chart.Namespace}.svc:11111", notes);
        Assert.Contains($"get secret {Chart.Release}-secrets -o jsonpath='{{.data.cluster-secret}}'", notes);
        Assert.Contains("--set-file experiment.spec=my-experiment.yaml", notes);
        Assert.Contains($"port-forward deployment/{Chart.Release}-silo-cpu 8080", notes);
    }
}
