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
        // The client needs the Orleans gateway and the cluster id, not the cluster secret (the silos' tensor channel's).
        Assert.Contains($"--env=ORRERY_GATEWAY={Chart.Release}.{Chart.Namespace}.svc:30000 \\", notes);
        Assert.Contains("--env=ORRERY_Cluster__ClusterId=orrery \\", notes);
        Assert.Single(notes.Split('\n'), l => l.Contains("--env=", StringComparison.Ordinal) && l.Contains("GATEWAY", StringComparison.Ordinal));
        Assert.DoesNotContain("ORRERY_ORLEANS_GATEWAY", notes);
        Assert.DoesNotContain("ORRERY_Cluster__Secret", notes);
        Assert.DoesNotContain("11111", notes);
        Assert.DoesNotContain("ORRERY_OrleansSilo__ServiceId", notes);

        // Silos given a service id of their own: the client must use the same one.
        var withServiceId = await ExternalTool.HelmAsync(["install", Chart.Release, Chart.Directory, "--namespace", Chart.Namespace, "--dry-run=client", "--set", "silo.config.OrleansSilo:ServiceId=research"]);
        Assert.True(withServiceId.ExitCode == 0, withServiceId.Output);
        Assert.Contains("--env=ORRERY_OrleansSilo__ServiceId=research \\", withServiceId.Stdout);
        Assert.Contains("--set-file experiment.spec=my-experiment.yaml", notes);
        Assert.Contains($"port-forward deployment/{Chart.Release}-silo-cpu 8080", notes);

        // TLS is on by default: the client pod gets the clients' certificate Secret and the three settings that name
        // its files, merged into the generated container by name (kubectl run's strategic override).
        var overrides = System.Text.RegularExpressions.Regex.Match(notes, "--override-type=strategic --overrides='([^']+)'");
        Assert.True(overrides.Success, "the kubectl run line does not mount the client certificate");
        using var pod = System.Text.Json.JsonDocument.Parse(overrides.Groups[1].Value);
        var spec = pod.RootElement.GetProperty("spec");
        var container = spec.GetProperty("containers")[0];
        Assert.Equal("orrery-cli", container.GetProperty("name").GetString());
        Assert.Equal(
            ["ORRERY_OrleansSilo__TlsAuthority=/etc/orrery/tls/ca.crt", "ORRERY_OrleansSilo__TlsCertificate=/etc/orrery/tls/tls.crt", "ORRERY_OrleansSilo__TlsKey=/etc/orrery/tls/tls.key"],
            container.GetProperty("env").EnumerateArray().Select(e => $"{e.GetProperty("name").GetString()}={e.GetProperty("value").GetString()}").Order(StringComparer.Ordinal));
        Assert.Equal("/etc/orrery/tls", container.GetProperty("volumeMounts")[0].GetProperty("mountPath").GetString());
        Assert.Equal($"{Chart.Release}-tls-client", spec.GetProperty("volumes")[0].GetProperty("secret").GetProperty("secretName").GetString());
        Assert.Equal(1654, spec.GetProperty("securityContext").GetProperty("fsGroup").GetInt32());

        var withoutTls = await ExternalTool.HelmAsync(["install", Chart.Release, Chart.Directory, "--namespace", Chart.Namespace, "--dry-run=client", "--set", "tls.enabled=false"]);
        Assert.True(withoutTls.ExitCode == 0, withoutTls.Output);
        Assert.DoesNotContain("--overrides", withoutTls.Stdout);
    }
}
