using System.Diagnostics;
using System.Text.Json.Nodes;
using Orrery.Compute;
using Orrery.MetricGraphs.Experiments;

namespace Orrery.Deploy.Tests;

/// <summary>
/// What the chart's monitoring queries, against real silos and a real Prometheus: targets up, job
/// progress visible, every queried metric name present on the silos' /metrics, every query and
/// rule valid; and the chart's probes and the image's HEALTHCHECK against a live silo.
/// </summary>
[Collection(LiveSilosCollection.Name)]
public sealed class MonitoringTests(MonitoringFixture fixture) : IClassFixture<MonitoringFixture>
{
    private const string Selector = $"job=\"{MonitoringFixture.Job}\", namespace=\"{Chart.Namespace}\"";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PrometheusScrapesBothSilosWhileAJobRunsAndSeesItsProgress()
    {
        var prometheus = fixture.Prometheus;
        await EventuallyAsync("both silo targets up", async () =>
        {
            var targets = (await prometheus.GetAsync("/api/v1/targets"))["activeTargets"]!.AsArray();
            return targets.Count == 2 && targets.All(t => t!["health"]!.ToString() == "up" && t["labels"]!["job"]!.ToString() == MonitoringFixture.Job);
        });
        Assert.Equal(2, await prometheus.ScalarAsync($"sum(up{{{Selector}}})"));

        // The job: sampling jobs through the Orleans client, an ensemble on each silo, one after another until
        // Prometheus has seen the progress (10 jobs at most, a few seconds each).
        var client = fixture.Orleans.Client;
        var progress = $"sum(orrery_sampling_particle_steps_total{{{Selector}}})";
        var served = $"count(sum by (instance) (rate(orrery_silo_call_duration_seconds_count{{{Selector}, grain_type=\"particleensemble\"}}[5s])) > 0)";
        var before = await prometheus.ScalarAsync(progress) ?? 0;
        using var seen = new CancellationTokenSource();
        var job = Task.Run(async () =>
        {
            long steps = 0;
            for (var round = 0; round < 10 && !seen.IsCancellationRequested; round++)
            {
                var run = await SamplingJobDriver.RunAsync(client, MonitoringFixture.SamplingJob(steps: 2000), $"job-{round}");
                steps += run.Result.ParticleSteps;
            }

            return steps;
        });

        try
        {
            double? first = null;
            await EventuallyAsync("the job's progress counter to move", async () => (first = await prometheus.ScalarAsync(progress)) > before);
            await EventuallyAsync($"the job's progress counter to rise above {first}", async () => await prometheus.ScalarAsync(progress) > first);
            await EventuallyAsync("both silos serving the job's ensemble calls", async () => await prometheus.ScalarAsync(served) == 2);
        }
        finally
        {
            seen.Cancel();
        }

        var total = await job;
        await EventuallyAsync($"the counter to count all {total} particle-steps of the jobs", async () => await prometheus.ScalarAsync(progress) >= before + total);
    }

    [Fact]
    public async Task EveryMetricTheDashboardAndAlertsQueryIsOnTheSilosMetrics()
    {
        var queries = MonitoringQueries.Dashboard(fixture.Rendered).Concat(MonitoringQueries.Alerts(fixture.Rendered)).ToList();
        var used = queries.SelectMany(q => MonitoringQueries.MetricNames(q.Expr).Select(name => (Name: name, q.Where))).ToList();
        var exposed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var silo in fixture.Cluster.Silos)
        {
            foreach (var line in (await silo.HttpGetAsync("/metrics")).Split('\n'))
            {
                if (line.Length > 0 && line[0] != '#')
                {
                    exposed.Add(line[..line.IndexOfAny([' ', '{'])]);
                }
            }
        }

        // `up` is the one series Prometheus makes itself, for every target.
        Assert.Equal(2, await fixture.Prometheus.ScalarAsync($"count(up{{{Selector}}})"));
        exposed.Add("up");

        // The GPU memory gauges have series only on silos with a GPU (the bridge creates a metric at its first
        // measurement, so a CPU silo does not even print their HELP): these names, and only these, may be
        // absent. Their instruments are checked by Orrery.Compute.Tests (ComputeMetricsTests).
        var gpuOnly = ComputeMetricNames.GpuOnly.ToHashSet(StringComparer.Ordinal);
        var missing = used.Where(u => !exposed.Contains(u.Name) && !gpuOnly.Contains(u.Name)).Select(u => $"{u.Name} (in {u.Where})").Distinct().ToList();
        Assert.True(missing.Count == 0, $"metrics that no silo exposes:\n{string.Join("\n", missing)}\nexposed:\n{string.Join("\n", exposed.Order())}");

        // The extraction is not vacuous: the runtime's main families are among the names.
        var names = used.Select(u => u.Name).ToHashSet();
        Assert.True(names.Count >= 15, $"only {names.Count} names found: {string.Join(", ", names)}");
        Assert.Superset(
            new HashSet<string>
            {
                "up", "orrery_cluster_silos", "orrery_silo_call_duration_seconds_bucket", "orrery_silo_call_duration_seconds_count",
                "orleans_grains", "orleans_messaging_processing_dispatcher_received_total", "orleans_messaging_sent_messages_size_bytes_sum",
                "orleans_app_requests_latency_seconds_bucket", "orrery_tensor_bytes_sent_total", "orrery_tensor_transfer_duration_seconds_bucket",
                "orrery_tensor_transfers_total", "orrery_tensor_handshake_failures_total", "process_cpu_seconds_total", "process_working_set_bytes",
            },
            names);

        // Nothing of the old runtime: its names went with it.
        Assert.DoesNotContain(names, n => n.StartsWith("orrery_grain_", StringComparison.Ordinal) || n.StartsWith("orrery_membership_", StringComparison.Ordinal) || n.StartsWith("orrery_transport_", StringComparison.Ordinal));

        // The workload and GPU panels and alerts read each workload and compute family.
        Assert.Superset(
            new HashSet<string>
            {
                "orrery_sampling_particle_steps_total", "orrery_sampling_truncated_steps_total", "orrery_sampling_ensemble_replacements_total",
                "orrery_sampling_particles", "orrery_pca_rounds_total", "orrery_pca_error", "orrery_pca_communicated_bytes_total", "orrery_pca_runs",
                "orrery_pca_recoveries_total", ComputeMetricNames.GpuMemoryUsed, ComputeMetricNames.GpuMemoryTotal,
            },
            names);

        // Every query of every panel and alert reads at least one metric, so none escapes the check above.
        Assert.All(queries, q => Assert.True(MonitoringQueries.MetricNames(q.Expr).Count > 0, $"{q.Where}: `{q.Expr}` reads no metric"));
    }

    [Fact]
    public void MetricNameExtractionSeesThroughPromQlSyntax()
    {
        Assert.Equal(
            new HashSet<string> { "a_total", "b_bucket", "c" },
            MonitoringQueries.MetricNames("sum by (le, job) (rate(a_total{x=\"y\", z=~\"ok|moved\"}[5m])) / on(job) group_left histogram_quantile(0.99, sum without (pod) (rate(b_bucket[$__rate_interval]))) > 0.5 and c offset 1m unless absent(c == 1) or 1e3"));
    }

    [Fact]
    public async Task DashboardQueriesAndAlertRulesEvaluateOnRealData()
    {
        // Each dashboard query with Grafana's variables filled in as a user would pick them.
        foreach (var (where, expr) in MonitoringQueries.Dashboard(fixture.Rendered))
        {
            var query = expr.Replace("$namespace", Chart.Namespace).Replace("$job", MonitoringFixture.Job).Replace("$__rate_interval", "5s");
            try
            {
                await fixture.Prometheus.QueryAsync(query);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                Assert.Fail($"{where}: Prometheus refused `{query}`: {e.Message}");
            }
        }

        // Prometheus loaded the rendered rules and evaluates each without error.
        JsonArray rules = [];
        await EventuallyAsync("every alert rule evaluated", async () =>
        {
            rules = [.. (await fixture.Prometheus.GetAsync("/api/v1/rules"))["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!.DeepClone())];
            return rules.Count == 11 && rules.All(r => !r!["lastEvaluation"]!.ToString().StartsWith("0001", StringComparison.Ordinal));
        });
        Assert.All(rules, r => Assert.True(r!["health"]!.ToString() == "ok", $"rule {r["name"]}: {r["health"]} {r["lastError"]}"));

        // Healthy silos, no failing calls: nothing fires.
        var firing = (await fixture.Prometheus.GetAsync("/api/v1/alerts"))["alerts"]!.AsArray();
        Assert.True(firing.Count == 0, firing.ToJsonString());
    }

    [Fact]
    public async Task ChartProbesAndTheImageHealthcheckAnswerOnALiveSilo()
    {
        var chart = await Chart.RenderAsync(Chart.Defaults);
        var silo = fixture.Cluster.Silos[0];
        var probes = chart.SiloGroups.Values.SelectMany(RenderedChart.Containers)
            .SelectMany(c => new[] { "startupProbe", "livenessProbe", "readinessProbe" }.Select(p => c[p]!["httpGet"]!["path"]!.ToString()))
            .Distinct().ToList();

        Assert.Equal(["/healthz", "/readyz"], probes.Order());
        foreach (var path in probes)
        {
            Assert.Equal(200, await silo.HttpStatusAsync(path));
        }

        // The silo images' HEALTHCHECK script, against this silo and against a port nothing listens on.
        var script = Path.Combine(ExternalTool.RepositoryRoot, "silo", "healthcheck.sh");
        var healthy = await ExternalTool.RunAsync("bash", [script, silo.HttpPort.ToString()], "bash is part of Debian");
        Assert.True(healthy.ExitCode == 0, healthy.Output);
        var closed = await ExternalTool.RunAsync("bash", [script, FreePort.Next().ToString()], "bash is part of Debian");
        Assert.NotEqual(0, closed.ExitCode);
    }

    private static async Task EventuallyAsync(string what, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Patience, $"no {what} within {Patience.TotalSeconds} s");
            await Task.Delay(250);
        }
    }
}
