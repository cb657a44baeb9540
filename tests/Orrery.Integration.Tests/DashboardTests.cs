using System.Diagnostics;
using System.Globalization;
using Orrery.Contracts.MetricGraphs;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// The Orleans Dashboard served by three real silo processes (Silo:DashboardPort), read by a real headless Chromium
/// while a sampling job runs: the page's scripts must have fetched and drawn every silo and the workload's grain
/// types. The screenshots and DOMs are kept under artifacts/dashboard/ as the test's evidence.
/// </summary>
public sealed class DashboardTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly string Artifacts = Path.Combine(Executables.RepositoryRoot, "artifacts", "dashboard");

    [Fact]
    public async Task TheDashboardInChromiumListsEverySiloAndTheSamplingGrainTypes_WhileAJobRuns()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort.Next()).ToArray();
        await using var cluster = await ProcessCluster.StartAsync(fixture.Redis, 3, i => ["--dashboard-port", ports[i].ToString(CultureInfo.InvariantCulture)]);
        var coordinator = cluster.Client.GetGrain<ISamplingCoordinatorGrain>($"dashboard-{Guid.NewGuid():N}");
        // Fifty times the sampling tests' job, so it is still running when the pages are read (it is cancelled after).
        var job = SamplingClusterTests.Job();
        job.Particles *= 50;
        await coordinator.StartAsync(job, CancellationToken.None);

        // Any silo's dashboard shows the whole cluster; the third one's is read. The dashboard samples once a second,
        // so the pages are read again until they show everything (or the deadline).
        var dashboard = $"http://127.0.0.1:{ports[2]}/";
        string[] silos = [.. cluster.Silos.Select(s => s.Name)];
        string[] grainTypes = ["SamplingCoordinatorGrain", "ParticleEnsembleGrain"];
        var (silosPage, grainsPage) = ("", "");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            silosPage = Text(await HeadlessChromium.DumpDomAsync(dashboard + "#/silos"));
            grainsPage = Text(await HeadlessChromium.DumpDomAsync(dashboard + "#/grains"));
            if (silos.All(silosPage.Contains) && grainTypes.All(grainsPage.Contains))
            {
                break;
            }
        }

        var state = (await coordinator.GetProgressAsync()).State;
        Directory.CreateDirectory(Artifacts);
        await File.WriteAllTextAsync(Path.Combine(Artifacts, "silos.txt"), silosPage);
        await File.WriteAllTextAsync(Path.Combine(Artifacts, "grains.txt"), grainsPage);
        await HeadlessChromium.ScreenshotAsync(dashboard + "#/silos", Path.Combine(Artifacts, "silos.png"));
        await HeadlessChromium.ScreenshotAsync(dashboard + "#/grains", Path.Combine(Artifacts, "grains.png"));
        foreach (var silo in silos)
        {
            Assert.True(silosPage.Contains(silo, StringComparison.Ordinal), $"the dashboard's silos page does not list {silo}: {silosPage}");
        }

        foreach (var type in grainTypes)
        {
            Assert.True(grainsPage.Contains(type, StringComparison.Ordinal), $"the dashboard's grains page does not list {type}: {grainsPage}");
        }

        Assert.True(state == SamplingState.Running, $"the job was {state} when the pages had been read, not running");

        // The dashboard lives on its own port: the probes' port does not serve it.
        Assert.Equal(404, await cluster.Silos[0].HttpStatusAsync("/"));
        await coordinator.CancelAsync("the dashboard test is over");
    }

    /// <summary>The text of an HTML document, tags replaced by spaces.</summary>
    private static string Text(string html) => System.Text.RegularExpressions.Regex.Replace(html, "<[^>]*>", " ");
}
