using System.Text;
using System.Text.Json.Nodes;
using static Orrery.Deploy.Tests.RenderedChart;

namespace Orrery.Deploy.Tests;

/// <summary>
/// The chart rendered for each scenario: every object valid against the Kubernetes and
/// prometheus-operator schemas, and what matters checked on the objects themselves.
/// </summary>
public sealed class ChartRenderTests
{
    /// <summary>GPUs per silo pod expected in each silo group of each scenario (0: a CPU group).</summary>
    public static TheoryData<string, string> GroupGpus => new()
    {
        { Chart.Defaults, "cpu=0" },
        { "cpu-only", "cpu=0" },
        { "gpu-group", "cpu=0,gpu=2" },
        { "external-redis", "cpu=0" },
        { "monitoring", "cpu=0" },
    };

    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task EveryObjectIsValidAgainstTheKubernetesSchemas(string scenario)
    {
        var chart = await Chart.RenderAsync(scenario);

        Assert.True(chart.Problems.Count == 0, $"scenario {scenario}:\n{string.Join("\n", chart.Problems)}");
        Assert.Contains(chart.Objects, o => Kind(o) == "Deployment");
        Assert.All(chart.Objects, o => Assert.Equal(Chart.Namespace, o["metadata"]!["namespace"]?.GetValue<string>()));
        Assert.Equal(chart.Objects.Count, chart.Objects.Select(o => Describe(o)).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(GroupGpus))]
    public async Task GpuRequestsOnlyInGpuGroups(string scenario, string expected)
    {
        var chart = await Chart.RenderAsync(scenario);
        var groups = expected.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => int.Parse(p[1]));

        Assert.Equal(groups.Keys.Order(), chart.SiloGroups.Keys.Order());
        foreach (var (name, deployment) in chart.SiloGroups)
        {
            var silo = Containers(deployment).Single();
            var resources = silo["resources"];
            var gpus = groups[name];
            var image = silo["image"]!.GetValue<string>();
            if (gpus > 0)
            {
                // Strings: server-side apply refuses a number where the API has a quantity.
                Assert.Equal(gpus.ToString(System.Globalization.CultureInfo.InvariantCulture), resources!["limits"]!["nvidia.com/gpu"]!.GetValue<string>());
                Assert.Equal(gpus.ToString(System.Globalization.CultureInfo.InvariantCulture), resources["requests"]!["nvidia.com/gpu"]!.GetValue<string>());
                Assert.StartsWith("orrery/orrery-silo-gpu:", image);
                Assert.Equal("auto", Env(silo, "ORRERY_Silo__Device"));
            }
            else
            {
                Assert.StartsWith("orrery/orrery-silo:", image);
                Assert.Equal("cpu", Env(silo, "ORRERY_Silo__Device"));
            }
        }

        // Nothing else asks for a GPU: not Redis, not the experiment Job, not a CPU group.
        var askers = chart.WorkloadObjects
            .Where(w => Containers(w).Any(c => c.ToJsonString().Contains("nvidia.com/gpu\":", StringComparison.Ordinal)))
            .Select(w => Describe(w)).Order();
        Assert.Equal(groups.Where(g => g.Value > 0).Select(g => $"Deployment/{Chart.Release}-silo-{g.Key}").Order(), askers);
    }

    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task SiloProbesAndPortsMatchTheSiloSettings(string scenario)
    {
        var chart = await Chart.RenderAsync(scenario);
        var settings = chart.SiloSettings;
        var siloPort = int.Parse(settings["ORRERY_OrleansSilo__SiloPort"]);
        var gatewayPort = int.Parse(settings["ORRERY_OrleansSilo__GatewayPort"]);
        var tensorPort = int.Parse(settings["ORRERY_Tensors__Port"]);
        var httpPort = int.Parse(settings["ORRERY_Silo__HttpPort"]);
        var shutdownGrace = TimeSpan.Parse(settings["ORRERY_Silo__ShutdownGracePeriod"]);
        Assert.Equal((11211, 30000, 11200, 8080), (siloPort, gatewayPort, tensorPort, httpPort));
        Assert.Equal("redis", settings["ORRERY_Membership__Table"]);

        foreach (var deployment in chart.SiloGroups.Values)
        {
            var pod = PodTemplate(deployment);
            var silo = Containers(deployment).Single();
            var ports = silo["ports"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["containerPort"]!.GetValue<int>());

            // The ports the silo is told, opened, and no other (the runtime before Orleans had a transport port, 11111).
            var dashboardPort = int.Parse(settings["ORRERY_Silo__DashboardPort"]);
            Assert.Equal(
                new Dictionary<string, int> { ["orleans-silo"] = siloPort, ["orleans-gateway"] = gatewayPort, ["tensors"] = tensorPort, ["http"] = httpPort, ["dashboard"] = dashboardPort },
                ports);

            // The endpoints orrery-silo serves (silo/Program.cs); a live silo answers them in MonitoringTests.
            AssertHttpProbe(silo, "startupProbe", "/healthz", ports);
            AssertHttpProbe(silo, "livenessProbe", "/healthz", ports);
            AssertHttpProbe(silo, "readinessProbe", "/readyz", ports);
            Assert.True(silo["livenessProbe"]!["failureThreshold"]!.GetValue<int>() * silo["livenessProbe"]!["periodSeconds"]!.GetValue<int>() >= 30,
                "liveness must be lenient: a busy silo is not restarted within 30 s");

            // Long enough to leave membership: the host allows itself grace + 15 s.
            var terminationGrace = pod["spec"]!["terminationGracePeriodSeconds"]!.GetValue<int>();
            Assert.True(terminationGrace >= shutdownGrace.TotalSeconds + 15, $"terminationGracePeriodSeconds {terminationGrace} < {shutdownGrace.TotalSeconds} + 15");

            Assert.Equal("status.podIP", silo["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "ORRERY_Silo__AdvertisedAddress")!["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
            var annotations = StringMap(pod["metadata"]!["annotations"]);
            Assert.Matches("^[0-9a-f]{64}$", annotations["checksum/config"]);
            Assert.Matches("^[0-9a-f]{64}$", annotations["checksum/secret"]);

            // Non-root, read-only root filesystem, /tmp writable.
            Assert.True(pod["spec"]!["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
            Assert.True(silo["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
            Assert.Contains(silo["volumeMounts"]!.AsArray(), m => m!["mountPath"]!.GetValue<string>() == "/tmp");
        }
    }

    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task LabelsAndSelectorsMatch(string scenario)
    {
        var chart = await Chart.RenderAsync(scenario);
        var pods = chart.WorkloadObjects.ToDictionary(w => Describe(w), w => Labels(PodTemplate(w)));

        foreach (var workload in chart.OfKind("Deployment").Concat(chart.OfKind("StatefulSet")))
        {
            var selector = StringMap(workload["spec"]!["selector"]!["matchLabels"]);
            Assert.True(Selects(selector, pods[Describe(workload)]), $"{Describe(workload)}: selector does not match its own pods");
            var others = pods.Where(p => p.Key != Describe(workload) && Selects(selector, p.Value)).Select(p => p.Key).ToList();
            Assert.True(others.Count == 0, $"{Describe(workload)}: selector also matches the pods of {string.Join(", ", others)}");
        }

        foreach (var service in chart.OfKind("Service"))
        {
            var selected = chart.WorkloadObjects.Where(w => Selects(StringMap(service["spec"]!["selector"]), pods[Describe(w)])).ToList();
            Assert.True(selected.Count > 0, $"{Describe(service)} selects no pods");
            foreach (var port in service["spec"]!["ports"]!.AsArray())
            {
                var target = port!["targetPort"]!.ToString();
                Assert.All(selected, w => Assert.True(
                    Containers(w).Any(c => c["ports"]?.AsArray().Any(p => p!["name"]?.ToString() == target || p!["containerPort"]!.ToString() == target) == true),
                    $"{Describe(service)} targets port '{target}', which {Describe(w)} does not expose"));
            }
        }

        var siloServices = chart.OfKind("Service").Where(s => s["spec"]!["selector"]!["app.kubernetes.io/component"]?.ToString() == "silo").ToList();
        // The peers, the gateway and (on by default) the Orleans Dashboard.
        Assert.Equal(3, siloServices.Count);
        Assert.Single(siloServices, s => s["spec"]!["clusterIP"]?.ToString() == "None" && s["spec"]!["publishNotReadyAddresses"]!.GetValue<bool>());
        foreach (var service in siloServices)
        {
            var selected = chart.SiloGroups.Values.Where(d => Selects(StringMap(service["spec"]!["selector"]), pods[Describe(d)]));
            Assert.Equal(chart.SiloGroups.Count, selected.Count());
        }

        foreach (var budget in chart.OfKind("PodDisruptionBudget"))
        {
            var matched = pods.Where(p => Selects(StringMap(budget["spec"]!["selector"]!["matchLabels"]), p.Value)).Select(p => p.Key).ToList();
            Assert.True(matched.Count == 1 && matched[0] == $"Deployment/{Name(budget)}", $"{Describe(budget)} selects {string.Join(", ", matched)}");
        }

        Assert.Equal(chart.SiloGroups.Count, chart.OfKind("PodDisruptionBudget").Count());

        foreach (var monitor in chart.OfKind("ServiceMonitor"))
        {
            var selector = StringMap(monitor["spec"]!["selector"]!["matchLabels"]);
            var services = chart.OfKind("Service").Where(s => Selects(selector, Labels(s))).ToList();
            var service = Assert.Single(services);
            Assert.Equal("None", service["spec"]!["clusterIP"]!.ToString());
            var portNames = service["spec"]!["ports"]!.AsArray().Select(p => p!["name"]!.ToString()).ToList();
            Assert.All(monitor["spec"]!["endpoints"]!.AsArray(), e =>
            {
                Assert.Contains(e!["port"]!.ToString(), portNames);
                Assert.Equal("/metrics", e["path"]!.ToString());
            });
        }
    }

    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task ServicesExposeTheOrleansTensorAndHttpPortsAndNoTransportPort(string scenario)
    {
        var chart = await Chart.RenderAsync(scenario);
        var settings = chart.SiloSettings;

        // Clients reach the Orleans gateway and nothing else; silos reach each other on the Orleans silo port and the
        // tensor channel, and Prometheus scrapes the HTTP port, all through the headless Service.
        var gateway = chart.Single("Service", Chart.Release);
        Assert.Equal(
            [("orleans-gateway", settings["ORRERY_OrleansSilo__GatewayPort"], "orleans-gateway")],
            ServicePorts(gateway));
        var peers = chart.Single("Service", $"{Chart.Release}-silos");
        Assert.Equal(
            [
                ("orleans-silo", settings["ORRERY_OrleansSilo__SiloPort"], "orleans-silo"),
                ("tensors", settings["ORRERY_Tensors__Port"], "tensors"),
                ("http", settings["ORRERY_Silo__HttpPort"], "http"),
            ],
            ServicePorts(peers));

        // No port of the runtime before Orleans (transport, 11111) on any Service or container, nor in any setting.
        var ports = chart.OfKind("Service").SelectMany(ServicePorts).Select(p => (Where: $"Service/{p.Name}", p.Name, p.Port))
            .Concat(chart.WorkloadObjects.SelectMany(Containers).SelectMany(c => c["ports"]?.AsArray() ?? [])
                .Select(p => (Where: "container port", Name: p!["name"]?.ToString() ?? "", Port: p["containerPort"]!.ToString())));
        Assert.All(ports, p => Assert.True(p.Name != "transport" && p.Port != "11111", $"{p.Where} {p.Name} {p.Port}: the old transport port"));
        var values = settings.Values.Concat(chart.WorkloadObjects.SelectMany(Containers)
            .SelectMany(c => c["env"]?.AsArray() ?? []).Select(e => e!["value"]?.ToString() ?? ""));
        Assert.All(values, v => Assert.False(v == "11111" || v.EndsWith(":11111", StringComparison.Ordinal), $"a setting is {v}: the old transport port"));
    }

    [Fact]
    public async Task ExperimentJobOfSilosWithTheDefaultServiceIdSetsNone()
    {
        var template = await Chart.TemplateAsync([], "--set", "experiment.enabled=true", "--set-file", $"experiment.spec={ChartExperimentSpecTests.StarExitExample}");

        Assert.True(template.ExitCode == 0, template.Output);
        Assert.Contains($"- name: ORRERY_GATEWAY\n              value: \"{Chart.Release}.{Chart.Namespace}.svc:30000\"", template.Stdout);
        Assert.DoesNotContain("ORRERY_OrleansSilo__ServiceId", template.Stdout);
    }

    [Theory]
    [MemberData(nameof(Chart.Scenarios), MemberType = typeof(Chart))]
    public async Task SecretConfigMapVolumeAndAccountReferencesResolve(string scenario)
    {
        var chart = await Chart.RenderAsync(scenario);

        // References to Secrets the chart does not render: those the scenario's values name, nothing else.
        var expectedExternal = scenario == "external-redis"
            ? new[] { "orrery-cluster-secret/secret", "orrery-redis/connection-string" }
            : [];
        var external = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var workload in chart.WorkloadObjects)
        {
            var pod = PodTemplate(workload)["spec"]!;
            var where = Describe(workload);
            var volumes = pod["volumes"]?.AsArray().Select(v => v!.AsObject()).ToList() ?? [];
            var claimTemplates = workload["spec"]!["volumeClaimTemplates"]?.AsArray().Select(t => Name(t!)).ToList() ?? [];
            foreach (var container in Containers(workload))
            {
                foreach (var env in container["env"]?.AsArray() ?? [])
                {
                    if (env!["valueFrom"]?["secretKeyRef"] is { } reference)
                    {
                        var name = reference["name"]!.ToString();
                        var key = reference["key"]!.ToString();
                        if (chart.Has("Secret", name))
                        {
                            Assert.True(chart.Single("Secret", name)["data"]?[key] is not null, $"{where}: Secret {name} has no key {key}");
                        }
                        else
                        {
                            external.Add($"{name}/{key}");
                        }
                    }

                    if (env["valueFrom"]?["configMapKeyRef"] is { } configKey)
                    {
                        Assert.NotNull(chart.Single("ConfigMap", configKey["name"]!.ToString())["data"]?[configKey["key"]!.ToString()]);
                    }
                }

                foreach (var source in container["envFrom"]?.AsArray() ?? [])
                {
                    Assert.True(chart.Has("ConfigMap", source!["configMapRef"]!["name"]!.ToString()), $"{where}: envFrom names a ConfigMap the chart does not render");
                }

                foreach (var mount in container["volumeMounts"]?.AsArray() ?? [])
                {
                    var name = mount!["name"]!.ToString();
                    Assert.True(volumes.Any(v => v["name"]!.ToString() == name) || claimTemplates.Contains(name), $"{where}: mount of unknown volume {name}");
                }
            }

            foreach (var volume in volumes)
            {
                if (volume["configMap"] is { } configMap)
                {
                    Assert.True(chart.Has("ConfigMap", configMap["name"]!.ToString()), $"{where}: volume names a missing ConfigMap");
                }

                if (volume["persistentVolumeClaim"] is { } claim)
                {
                    Assert.True(chart.Has("PersistentVolumeClaim", claim["claimName"]!.ToString()), $"{where}: volume names a missing PersistentVolumeClaim");
                }

                if (volume["secret"] is { } secret)
                {
                    var secretName = secret["secretName"]!.ToString();
                    Assert.True(chart.Has("Secret", secretName) || (scenario == "external-redis" && secretName == "orrery-tls"), $"{where}: volume names a missing Secret");
                }
            }

            if (pod["serviceAccountName"] is { } account)
            {
                Assert.True(chart.Has("ServiceAccount", account.ToString()), $"{where}: ServiceAccount {account} is not rendered");
            }
        }

        Assert.Equal(expectedExternal, external);
    }

    [Fact]
    public async Task DefaultsRunRedisWithAPersistentVolumeAndGenerateTheSecrets()
    {
        var chart = await Chart.RenderAsync(Chart.Defaults);

        var redis = chart.Single("StatefulSet", $"{Chart.Release}-redis");
        var claim = Assert.Single(redis["spec"]!["volumeClaimTemplates"]!.AsArray());
        Assert.Equal("1Gi", claim!["spec"]!["resources"]!["requests"]!["storage"]!.ToString());
        var secret = chart.Single("Secret", $"{Chart.Release}-secrets")["data"]!;
        Assert.True(Decode(secret["cluster-secret"]).Length >= 32);
        var password = Decode(secret["redis-password"]);
        Assert.Equal($"{Chart.Release}-redis.{Chart.Namespace}.svc:6379,password={password}", Decode(secret["redis-connection-string"]));
        Assert.Contains("$(REDIS_PASSWORD)", Containers(redis).Single()["args"]!.AsArray().Select(a => a!.ToString()));

        // Every silo gets the cluster secret and the connection string from that Secret.
        foreach (var silo in chart.SiloGroups.Values.Select(d => Containers(d).Single()))
        {
            Assert.Equal($"{Chart.Release}-secrets/cluster-secret", SecretRef(silo, "ORRERY_Cluster__Secret"));
            Assert.Equal($"{Chart.Release}-secrets/redis-connection-string", SecretRef(silo, "ORRERY_Membership__Redis__ConnectionString"));
        }

        // The generated secret is kept across upgrades: it is read back with lookup first.
        var template = await File.ReadAllTextAsync(Path.Combine(Chart.Directory, "templates", "secret.yaml"));
        Assert.Contains("lookup \"v1\" \"Secret\" .Release.Namespace $name", template);
        Assert.Contains("index $previous \"cluster-secret\" | default", template);
    }

    [Fact]
    public async Task ExternalRedisAndExistingSecretReplaceTheBundledOnes()
    {
        var chart = await Chart.RenderAsync("external-redis");

        Assert.Empty(chart.OfKind("StatefulSet"));
        Assert.Empty(chart.OfKind("Secret"));
        Assert.Equal("research", chart.SiloSettings["ORRERY_Cluster__ClusterId"]);
        foreach (var silo in chart.SiloGroups.Values.Select(d => Containers(d).Single()))
        {
            Assert.Equal("orrery-cluster-secret/secret", SecretRef(silo, "ORRERY_Cluster__Secret"));
            Assert.Equal("orrery-redis/connection-string", SecretRef(silo, "ORRERY_Membership__Redis__ConnectionString"));
        }
    }

    [Fact]
    public async Task GpuGroupGetsItsSchedulingAndEnvAndTheCpuGroupDoesNot()
    {
        var chart = await Chart.RenderAsync("gpu-group");
        var gpu = PodTemplate(chart.SiloGroups["gpu"])["spec"]!;
        var cpu = PodTemplate(chart.SiloGroups["cpu"])["spec"]!;

        Assert.Equal("true", gpu["nodeSelector"]!["nvidia.com/gpu.present"]!.ToString());
        Assert.Equal("nvidia.com/gpu", gpu["tolerations"]![0]!["key"]!.ToString());
        Assert.NotNull(gpu["affinity"]!["nodeAffinity"]);
        Assert.Null(cpu["nodeSelector"]);
        Assert.Null(cpu["tolerations"]);
        Assert.Null(cpu["affinity"]!["nodeAffinity"]);
        Assert.Equal("LAZY", Env(gpu["containers"]![0]!, "CUDA_MODULE_LOADING"));
        Assert.Null(EnvOrNull(cpu["containers"]![0]!, "CUDA_MODULE_LOADING"));
        Assert.Equal("1", Env(cpu["containers"]![0]!, "DOTNET_TieredPGO"));
        Assert.Equal(0, chart.SiloGroups["gpu"]["spec"]!["strategy"]!["rollingUpdate"]!["maxSurge"]!.GetValue<int>());
        Assert.Equal(4, chart.SiloGroups["gpu"]["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("00:00:10", chart.SiloSettings["ORRERY_OrleansSilo__ProbeTimeout"]);
        Assert.Equal("4", chart.SiloSettings["ORRERY_OrleansSilo__MissedProbesLimit"]);
    }

    [Fact]
    public async Task ExperimentJobRunsTheClientWithTheSpecAgainstTheGatewayAndKeepsResults()
    {
        var chart = await Chart.RenderAsync("monitoring");

        var job = chart.Single("Job", $"{Chart.Release}-exp-diag-1");
        var client = Containers(job).Single();
        Assert.StartsWith("orrery/orrery-client:", client["image"]!.ToString());
        Assert.Equal(["run", "/etc/orrery/experiment/spec.yaml", "--out", "/results/output"], client["args"]!.AsArray().Select(a => a!.ToString()));
        Assert.Equal("/results", client["workingDir"]!.ToString());

        // The gateway it dials is the client Service, on the silos' Orleans gateway port (30000), with the silos'
        // cluster id and service id (this scenario gives the silos one in silo.config).
        var service = chart.Single("Service", Chart.Release);
        var gatewayPort = service["spec"]!["ports"]!.AsArray().Single(p => p!["name"]!.ToString() == "orleans-gateway")!["port"]!.ToString();
        Assert.Equal(chart.SiloSettings["ORRERY_OrleansSilo__GatewayPort"], gatewayPort);
        Assert.Equal($"{Chart.Release}.{Chart.Namespace}.svc:30000", Env(client, "ORRERY_GATEWAY"));
        Assert.Equal(chart.SiloSettings["ORRERY_Cluster__ClusterId"], Env(client, "ORRERY_Cluster__ClusterId"));
        Assert.Equal("orrery-research", chart.SiloSettings["ORRERY_OrleansSilo__ServiceId"]);
        Assert.Equal("orrery-research", Env(client, "ORRERY_OrleansSilo__ServiceId"));

        // Nothing the client no longer reads: the second gateway variable and the cluster secret (the silos' tensor
        // channel's, which a client never uses).
        var names = client["env"]!.AsArray().Select(e => e!["name"]!.ToString()).ToList();
        Assert.DoesNotContain("ORRERY_ORLEANS_GATEWAY", names);
        Assert.DoesNotContain("ORRERY_Cluster__Secret", names);

        var spec = chart.Single("ConfigMap", $"{Chart.Release}-exp-diag-1")["data"]!["spec.yaml"]!.ToString();
        Assert.Contains("kind: sampling", spec);
        var volumes = PodTemplate(job)["spec"]!["volumes"]!.AsArray();
        Assert.Contains(volumes, v => v!["persistentVolumeClaim"]?["claimName"]?.ToString() == $"{Chart.Release}-results");
        var claim = chart.Single("PersistentVolumeClaim", $"{Chart.Release}-results");
        Assert.Equal("keep", claim["metadata"]!["annotations"]!["helm.sh/resource-policy"]!.ToString());
    }

    [Fact]
    public async Task MonitoringRendersServiceMonitorRulesAndDashboardOnlyWhenEnabled()
    {
        var off = await Chart.RenderAsync(Chart.Defaults);
        var on = await Chart.RenderAsync("monitoring");

        foreach (var kind in new[] { "ServiceMonitor", "PrometheusRule" })
        {
            Assert.Empty(off.OfKind(kind));
            Assert.Single(on.OfKind(kind));
        }

        Assert.False(off.Has("ConfigMap", $"{Chart.Release}-dashboard"));
        var dashboard = on.Single("ConfigMap", $"{Chart.Release}-dashboard");
        Assert.Equal("1", Labels(dashboard)["grafana_dashboard"]);
        var json = JsonNode.Parse(dashboard["data"]!["orrery.json"]!.ToString())!;
        Assert.Equal("orrery-cluster", json["uid"]!.ToString());
        Assert.True(MonitoringQueries.Dashboard(on).Count >= 20);
        Assert.Equal("kube-prometheus-stack", Labels(on.OfKind("ServiceMonitor").Single())["release"]);
    }

    [Fact]
    public async Task DashboardPanelsHaveUniqueIdsAndDoNotOverlap()
    {
        var chart = await Chart.RenderAsync("monitoring");
        var json = JsonNode.Parse(chart.Single("ConfigMap", $"{Chart.Release}-dashboard")["data"]!["orrery.json"]!.ToString())!;
        var panels = json["panels"]!.AsArray().Select(p => p!).ToList();

        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        var boxes = panels.Select(p => (Title: p["title"]!.ToString(), X: (int)p["gridPos"]!["x"]!, Y: (int)p["gridPos"]!["y"]!, W: (int)p["gridPos"]!["w"]!, H: (int)p["gridPos"]!["h"]!)).ToList();
        Assert.All(boxes, b => Assert.True(b.X >= 0 && b.X + b.W <= 24, $"panel '{b.Title}' is outside the 24-column grid"));
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                var overlap = a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H;
                Assert.False(overlap, $"panels '{a.Title}' and '{b.Title}' overlap");
            }
        }

        // The workload and GPU rows.
        Assert.Superset(
            new HashSet<string> { "Sampling on metric graphs", "PCA", "GPUs" },
            panels.Where(p => p["type"]!.ToString() == "row").Select(p => p["title"]!.ToString()).ToHashSet());
    }

    private static (string Name, string Port, string Target)[] ServicePorts(JsonNode service) =>
        [.. service["spec"]!["ports"]!.AsArray().Select(p => (p!["name"]!.ToString(), p["port"]!.ToString(), p["targetPort"]!.ToString()))];

    private static string Decode(JsonNode? base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64!.ToString()));

    private static string Env(JsonNode container, string name) =>
        EnvOrNull(container, name) ?? throw new Xunit.Sdk.XunitException($"container {container["name"]} has no env {name} with a value");

    private static string? EnvOrNull(JsonNode container, string name) =>
        container["env"]?.AsArray().FirstOrDefault(e => e!["name"]!.ToString() == name)?["value"]?.ToString();

    private static string SecretRef(JsonNode container, string name)
    {
        var reference = container["env"]!.AsArray().Single(e => e!["name"]!.ToString() == name)!["valueFrom"]!["secretKeyRef"]!;
        return $"{reference["name"]}/{reference["key"]}";
    }

    private static void AssertHttpProbe(JsonNode container, string probe, string path, IReadOnlyDictionary<string, int> ports)
    {
        var get = container[probe]?["httpGet"] ?? throw new Xunit.Sdk.XunitException($"{probe} is not an httpGet probe");
        Assert.Equal(path, get["path"]!.ToString());
        var port = get["port"]!.ToString();
        Assert.True(port == "http" || port == ports["http"].ToString(), $"{probe} probes port {port}, not the silo's HTTP port");
    }
}
