using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orrery.Cluster.Metrics;
using Orrery.Pca.Experiments;
using Orrery.Pca.Grains;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>The <c>Orrery.Pca</c> meter as the silo's <c>/metrics</c> shows it, around a run on an embedded Orleans silo.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task TheCoordinatorSiloCountsTheRunsRoundsAndBytesAndDropsItsErrorWhenItFinishes()
    {
        await using var cluster = await PcaRuns.StartClusterAsync(1);
        var meterFactory = cluster.Silos[0].GetRequiredService<IMeterFactory>();
        using var bridge = new PrometheusMeterBridge(Prometheus.Metrics.NewCustomRegistry(), meter => meter.Scope == meterFactory && meter.Name == PcaMetricNames.Meter);

        // As the silo host does at start: every counter at 0 before the first run.
        PcaSiloMetrics.CreateForSilo(meterFactory);
        var idle = await CollectAsync(bridge);
        Assert.Equal(0, Sample(idle, "orrery_pca_rounds_total"));
        Assert.Equal(0, Sample(idle, "orrery_pca_communicated_bytes_total"));
        Assert.Equal(0, Sample(idle, "orrery_pca_recoveries_total"));
        Assert.Equal(0, Sample(idle, "orrery_pca_runs"));

        var request = PcaRuns.Request(PcaRuns.Generated("power"), rounds: 12, steps: 2, shards: 2);
        request.Truth = "auto";
        var run = await PcaJob.RunAsync(cluster.Client, "metered", request);

        var done = await CollectAsync(bridge);
        Assert.Equal(run.Result.History.Count, Sample(done, "orrery_pca_rounds_total"));
        Assert.True(Sample(done, "orrery_pca_communicated_bytes_total") >= run.Result.History[^1].Bytes, done);
        Assert.Equal(0, Sample(done, "orrery_pca_runs"));
        Assert.DoesNotContain("orrery_pca_error{", done, StringComparison.Ordinal);
    }

    private static async Task<string> CollectAsync(PrometheusMeterBridge bridge)
    {
        using var exposition = new MemoryStream();
        await bridge.WriteAsync(exposition);
        return System.Text.Encoding.UTF8.GetString(exposition.ToArray());
    }

    private static double Sample(string exposition, string name)
    {
        var line = exposition.Split('\n').SingleOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no unlabelled sample of {name} in:\n{exposition}");
        return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
