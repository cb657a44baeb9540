using System.Text.Json.Nodes;
using static Orrery.Deploy.Tests.RenderedChart;

namespace Orrery.Deploy.Tests;

/// <summary>
/// What the chart renders for operating a cluster: the Orleans Dashboard behind its own Service, pod templates that a
/// second rendering with the same values and the same lookup state leaves unchanged (so `helm upgrade` with unchanged
/// values restarts nothing), and mutual TLS certificates mounted where the silo and client settings point.
/// </summary>
public sealed class ChartOperationsTests
{
    [Fact]
    public async Task DashboardIsOnByDefaultOnItsOwnPortAndService()
    {
        var chart = await Chart.RenderAsync(Chart.Defaults);
        Assert.Equal("8081", chart.SiloSettings["ORRERY_Silo__DashboardPort"]);
        foreach (var deployment in chart.SiloGroups.Values)
        {
            var ports = Containers(deployment).Single()["ports"]!.AsArray();
            Assert.Contains(ports, p => p!["name"]!.ToString() == "dashboard" && p["containerPort"]!.GetValue<int>() == 8081);
        }

        var service = chart.Single("Service", $"{Chart.Release}-dashboard");
        var port = service["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal(8081, port["port"]!.GetValue<int>());
        Assert.Equal("dashboard", port["targetPort"]!.ToString());
        Assert.True(Selects(StringMap(service["spec"]!["selector"]), Labels(PodTemplate(chart.SiloGroups["cpu"]))), "the dashboard Service selects no silo");

        var off = await Chart.TemplateAsync([], "--set", "dashboard.enabled=false");
        Assert.True(off.ExitCode == 0, off.Output);
        Assert.DoesNotContain("DashboardPort", off.Stdout);
        Assert.DoesNotContain($"name: {Chart.Release}-dashboard\n", off.Stdout);
    }

    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task TwoRenderingsWithTheSameLookupStateHaveTheSamePodTemplates(string scenario)
    {
        // helm template looks nothing up, so each rendering generates fresh secrets and certificates, as an install does;
        // a pod template that hashes them (checksum/secret) would differ, and restart every pod on the first upgrade.
        var first = await PodTemplatesAsync(scenario);
        var second = await PodTemplatesAsync(scenario);
        Assert.NotEmpty(first);
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach (var (name, template) in first)
        {
            Assert.True(JsonNode.DeepEquals(template, second[name]), $"{scenario}: the pod template of {name} differs between two renderings:\n{template}\n---\n{second[name]}");
        }
    }

    [Fact]
    public async Task SilosAndTheExperimentJobMountTheirCertificatesWhereTheTlsSettingsPoint()
    {
        var chart = await Chart.RenderAsync("monitoring");
        var expected = new Dictionary<string, string>
        {
            ["ORRERY_OrleansSilo__TlsCertificate"] = "/etc/orrery/tls/tls.crt",
            ["ORRERY_OrleansSilo__TlsKey"] = "/etc/orrery/tls/tls.key",
            ["ORRERY_OrleansSilo__TlsAuthority"] = "/etc/orrery/tls/ca.crt",
        };
        var workloads = chart.SiloGroups.Values.Select(d => (d, $"{Chart.Release}-tls-silo"))
            .Append((chart.OfKind("Job").Single(), $"{Chart.Release}-tls-client"));
        foreach (var (workload, secret) in workloads)
        {
            var container = Containers(workload).Single();
            var env = container["env"]!.AsArray().Where(e => e!["value"] is not null).ToDictionary(e => e!["name"]!.ToString(), e => e!["value"]!.ToString());
            Assert.All(expected, e => Assert.Equal(e.Value, env[e.Key]));
            Assert.Contains(container["volumeMounts"]!.AsArray(), m => m!["name"]!.ToString() == "tls" && m["mountPath"]!.ToString() == "/etc/orrery/tls");
            var volume = PodTemplate(workload)["spec"]!["volumes"]!.AsArray().Single(v => v!["name"]!.ToString() == "tls")!;
            Assert.Equal(secret, volume["secret"]!["secretName"]!.ToString());
            Assert.True(chart.Has("Secret", secret), $"{Describe(workload)} mounts Secret {secret}, which the chart does not render");
        }

        // An existing Secret replaces the generated ones: nothing generated, the silos and the Job mount it.
        var existing = await Chart.TemplateAsync([], "--set", "tls.existingSecret=my-tls", "--set", "experiment.enabled=true", "--set-file", $"experiment.spec={ChartExperimentSpecTests.StarExitExample}");
        Assert.True(existing.ExitCode == 0, existing.Output);
        Assert.DoesNotContain("-tls-ca", existing.Stdout);
        Assert.DoesNotContain("-tls-silo", existing.Stdout);
        // The one silo group and the Job.
        Assert.Equal(2, existing.Stdout.Split("secretName: my-tls\n").Length - 1);

        var off = await Chart.TemplateAsync([], "--set", "tls.enabled=false");
        Assert.True(off.ExitCode == 0, off.Output);
        Assert.DoesNotContain("TlsCertificate", off.Stdout);
        Assert.DoesNotContain("kind: Secret\nmetadata:\n  name: orrery-tls", off.Stdout);
    }

    [Fact]
    public async Task KubernetesHostingGetsItsLabelsVariablesTokenAndARoleOverPods()
    {
        var chart = await Chart.RenderAsync("monitoring");
        var deployment = chart.SiloGroups["cpu"];
        var pod = PodTemplate(deployment);
        var labels = Labels(pod);
        Assert.Equal("orrery-research", labels["orleans/serviceId"]);
        Assert.Equal("orrery", labels["orleans/clusterId"]);
        Assert.True(pod["spec"]!["automountServiceAccountToken"]!.GetValue<bool>(), "the silos need their token to read pods");
        var env = Containers(deployment).Single()["env"]!.AsArray().ToDictionary(e => e!["name"]!.ToString(), e => e!);
        Assert.Equal("true", env["ORRERY_Silo__KubernetesHosting"]["value"]!.ToString());
        Assert.Equal("orrery-research", env["ORLEANS_SERVICE_ID"]["value"]!.ToString());
        Assert.Equal("orrery", env["ORLEANS_CLUSTER_ID"]["value"]!.ToString());
        Assert.Equal("metadata.name", env["POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.ToString());
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.ToString());
        Assert.Equal("status.podIP", env["POD_IP"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.ToString());

        var role = chart.Single("Role", $"{Chart.Release}-silo-pods");
        var rule = role["rules"]!.AsArray().Single()!;
        Assert.Equal(["pods"], rule["resources"]!.AsArray().Select(r => r!.ToString()));
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rule["verbs"]!.AsArray().Select(v => v!.ToString()).Order(StringComparer.Ordinal));
        var binding = chart.Single("RoleBinding", $"{Chart.Release}-silo-pods");
        Assert.Equal(pod["spec"]!["serviceAccountName"]!.ToString(), binding["subjects"]!.AsArray().Single()!["name"]!.ToString());

        var off = await Chart.TemplateAsync([], "--set", "silo.kubernetesHosting=false");
        Assert.True(off.ExitCode == 0, off.Output);
        Assert.DoesNotContain("kind: Role", off.Stdout);
        Assert.DoesNotContain("POD_NAMESPACE", off.Stdout);
        Assert.DoesNotContain("automountServiceAccountToken: true", off.Stdout);
    }

    [Fact]
    public async Task RedisKeepsItsAppendOnlyFileOnAPersistentVolume()
    {
        // Orleans's Redis clustering does not survive a Redis that comes back empty: the membership table must
        // outlive the Redis pod, so the chart's Redis writes its append-only file to a claimed volume.
        var chart = await Chart.RenderAsync(Chart.Defaults);
        var redis = chart.Single("StatefulSet", $"{Chart.Release}-redis");
        var container = Containers(redis).Single();
        var args = container["args"]!.AsArray().Select(a => a!.ToString()).ToList();
        Assert.Equal("yes", args[args.IndexOf("--appendonly") + 1]);
        Assert.Equal("everysec", args[args.IndexOf("--appendfsync") + 1]);
        Assert.Equal("/data", args[args.IndexOf("--dir") + 1]);
        var mount = container["volumeMounts"]!.AsArray().Single(m => m!["mountPath"]!.ToString() == "/data")!;
        var claim = redis["spec"]!["volumeClaimTemplates"]!.AsArray().Single()!;
        Assert.Equal(mount["name"]!.ToString(), claim["metadata"]!["name"]!.ToString());
        Assert.Equal("1Gi", claim["spec"]!["resources"]!["requests"]!["storage"]!.ToString());
        Assert.Null(PodTemplate(redis)["spec"]!["volumes"]);

        // Without persistence the file goes to an emptyDir: it survives a container restart, not a new pod.
        var ephemeral = await Chart.TemplateAsync(Chart.ValuesArgs(Chart.Defaults), "--set", "redis.persistence.enabled=false");
        Assert.True(ephemeral.ExitCode == 0, ephemeral.Output);
        var statefulSet = ephemeral.Stdout.Split("\n---").Single(d => d.Contains("kind: StatefulSet", StringComparison.Ordinal));
        Assert.DoesNotContain("volumeClaimTemplates", statefulSet);
        Assert.Contains("- name: data\n          emptyDir: {}", statefulSet);
    }

    private static async Task<Dictionary<string, JsonNode>> PodTemplatesAsync(string scenario)
    {
        var chart = await Chart.RenderUncachedAsync(scenario);
        return chart.WorkloadObjects.ToDictionary(w => Describe(w), w => (JsonNode)PodTemplate(w), StringComparer.Ordinal);
    }
}
