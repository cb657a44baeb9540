namespace Orrery.Deploy.Tests;

/// <summary>
/// Bad values stop <c>helm install</c> (here <c>helm template</c>, which runs the same schema
/// validation and templates) with a message that names the value at fault.
/// </summary>
public sealed class ChartValuesTests
{
    /// <summary>
    /// Bad values files, whether the schema refuses them (<c>helm lint</c> then fails too; a
    /// template's <c>fail</c> only stops install, template and upgrade), and what the error must say.
    /// </summary>
    public static TheoryData<string, bool, string[]> BadValues => new()
    {
        { "negative-replicas", true, ["/siloGroups/0/replicas", "minimum: got -1, want 0"] },
        { "gpu-without-count", true, ["/siloGroups/0", "missing property 'gpus'"] },
        { "unknown-key", true, ["/siloGroups/0", "additional properties 'replica' not allowed"] },
        { "external-redis-without-secret", true, ["/redis/external/existingSecret", "minLength"] },
        { "termination-shorter-than-shutdown", false, ["silo.terminationGracePeriodSeconds is 30", "at least silo.shutdownGracePeriodSeconds + 15 = 75"] },
        { "duplicate-group", false, ["siloGroups: the name 'cpu' is used twice"] },
        { "experiment-without-spec", false, ["experiment.spec is empty", "--set-file experiment.spec="] },
        { "gpu-memory-percent", true, ["/monitoring/prometheusRule/gpuMemoryFraction", "maximum: got 95, want 1"] },

        // Values files from before the move to Orleans: the transport port and the key prefix are gone, and a
        // removed setting in silo.config would stop every silo at start (exit code 2), so the chart says so first.
        { "transport-port", true, ["/silo", "additional properties 'transportPort' not allowed"] },
        { "key-prefix", true, ["/redis", "additional properties 'keyPrefix' not allowed"] },
        { "removed-setting", false, ["silo.config sets Membership:DeathTimeout", "no longer accepts", "use OrleansSilo:ProbeTimeout and OrleansSilo:MissedProbesLimit"] },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task BadValuesAreRefusedWithAMessageNamingThem(string file, bool bySchema, string[] expected)
    {
        var values = Path.Combine(ExternalTool.ChartTestsDirectory, "bad-values", file + ".yaml");

        var template = await Chart.TemplateAsync(["-f", values]);
        var lint = await ExternalTool.HelmAsync(["lint", "--strict", Chart.Directory, "-f", values]);

        Assert.True(template.ExitCode != 0, $"helm template accepted {file}.yaml: {template.Output}");
        Assert.Equal(bySchema, template.Stderr.Contains("values don't meet the specifications of the schema", StringComparison.Ordinal));
        if (bySchema)
        {
            Assert.True(lint.ExitCode != 0, $"helm lint accepted {file}.yaml: {lint.Output}");
        }
        foreach (var fragment in expected)
        {
            Assert.True(template.Stderr.Contains(fragment, StringComparison.Ordinal), $"the error for {file}.yaml does not say '{fragment}':\n{template.Stderr}");
        }

        // One clear message, not a template stack dump.
        Assert.True(template.Stderr.Length < 1000, $"the error for {file}.yaml is long:\n{template.Stderr}");
    }

    [Fact]
    public async Task UnknownTopLevelKeyIsRefusedBySchema()
    {
        var template = await Chart.TemplateAsync([], "--set", "replicaCount=3");

        Assert.NotEqual(0, template.ExitCode);
        Assert.Contains("values don't meet the specifications of the schema", template.Stderr);
        Assert.Contains("additional properties 'replicaCount' not allowed", template.Stderr);
    }
}
