using System.Globalization;
using System.Text;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Pca;
using Orrery.Pca.Experiments;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>
/// Runs on embedded clusters whose calls have a short deadline (Orleans's response timeout, client and silos): no phase
/// of a run may wait on one call past it, and a call that times out while the coordinator's silo is active is asked
/// again, never a reason to start the run over.
/// </summary>
public sealed class DeadlineTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-pca-deadline-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// A 3,000 x 800 CSV with an exact truth: parsing it, forming Sigma in double and decomposing it take several seconds
    /// here, more than the 2 s deadline of every call (asserted, so the test shows what it claims). The start used to be
    /// one call that loaded and computed everything, and timed out; now it is a sequence of slices.
    /// </summary>
    [Fact]
    public async Task StartUpLongerThanTheCallDeadlineDoesNotFailTheRun()
    {
        var path = Path.Combine(_folder, "wide.csv");
        WriteCsv(path, rows: 3000, columns: 800);
        var request = PcaRuns.Request(new PcaSource { Kind = "csv", Path = path, Center = true }, components: 3, rounds: 5, shards: 2);
        request.Truth = "exact";

        await using var cluster = await StartClusterAsync(2);
        var phases = new List<string>();
        var result = await PcaJob.RunAsync(cluster.Client, "long-start", request, slice => phases.Add(slice.Phase));

        var setup = result.Start.LoadSeconds + result.Start.TruthSeconds;
        Assert.True(setup > Deadline.TotalSeconds, $"the start-up took {setup:F1} s, not more than the {Deadline.TotalSeconds} s deadline: enlarge the file");
        Assert.Equal(0, result.Restarts);
        Assert.True(result.Start.Ready && result.Start.HasTruth && result.Start.Dimension == 800 && result.Start.Rows == 3000);
        Assert.Equal(5, result.Result.History.Count);
        Assert.Contains(phases, p => p is "loading the shards" or "computing the exact truth");
    }

    /// <summary>
    /// Slices of 3 s against a 2 s deadline: advance calls time out while the coordinator's silo is active and the
    /// coordinator keeps working. The client asks again and the run finishes on its first coordinator (it used to start
    /// the run over after 5 timeouts in a row, and on any rejection or timeout of the start).
    /// </summary>
    // Timing-dependent: it needs the run to outlast the call deadline / the kill to land mid-run, which a quiet
    // machine does not guarantee (failed in the 2026-12-05 full run). Long until it forces its own condition.
    [Fact]
    [Trait("Category", "Long")]
    public async Task TimeoutsWhileTheCoordinatorsSiloIsActiveDoNotRestartTheRun()
    {
        var request = PcaRuns.Request(PcaRuns.Generated("power"), rounds: 1_000_000, target: 1e-5);
        request.Truth = "auto";
        await using var cluster = await StartClusterAsync(1);
        var said = new List<string>();
        var result = await PcaJob.RunAsync(cluster.Client, "slow-slices", request, sliceSeconds: 3, say: said.Add);

        Assert.Equal(0, result.Restarts);
        Assert.Contains("target", result.Result.StopReason);
        Assert.DoesNotContain(said, line => line.Contains("was lost", StringComparison.Ordinal));
        Assert.Contains(said, line => line.Contains("TimeoutException", StringComparison.Ordinal) && line.Contains("is active, so asking again", StringComparison.Ordinal));
    }

    /// <summary>
    /// The decision itself, against a real membership: a timeout or a rejection means a lost coordinator only once its
    /// silo has left the cluster; a refused request or a failed run never does; a fresh activation always does.
    /// </summary>
    [Fact]
    public async Task OnlyALostSiloMeansALostCoordinator()
    {
        await using var cluster = await PcaRuns.StartClusterAsync(2);
        var grains = cluster.Client;
        var silo = cluster.SiloNames[1];
        Assert.False(await PcaJob.MeansCoordinatorLostAsync(grains, silo, new TimeoutException("slow")));
        Assert.False(await PcaJob.MeansCoordinatorLostAsync(grains, silo, new SiloUnavailableException("busy")));
        Assert.False(await PcaJob.MeansCoordinatorLostAsync(grains, silo, new PcaRequestException("shards is 3")));
        Assert.True(await PcaJob.MeansCoordinatorLostAsync(grains, silo, new PcaRunLostException("fresh activation")));

        await cluster.StopSiloAsync(1);
        Assert.True(await PcaJob.MeansCoordinatorLostAsync(grains, silo, new TimeoutException("gone"), TimeSpan.FromSeconds(30)));
        Assert.False(await PcaJob.MeansCoordinatorLostAsync(grains, silo, new PcaRunFailedException("diverged")));
    }

    /// <summary>An embedded cluster whose client and silos give every call <see cref="Deadline"/>.</summary>
    private static Task<OrleansEmbeddedCluster> StartClusterAsync(int silos) => OrleansEmbeddedCluster.StartAsync(
        new int[silos],
        (_, silo) => silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = Deadline),
        configureClient: client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = Deadline));

    private static void WriteCsv(string path, int rows, int columns)
    {
        using var writer = new StreamWriter(path, false, Encoding.ASCII, 1 << 20);
        var random = new Random(7);
        var line = new StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            line.Clear();
            for (var c = 0; c < columns; c++)
            {
                // A decaying spectrum: column c has scale 1 / (1 + c / 10), so the top eigenvalues are apart.
                line.Append((random.NextDouble() / (1 + c / 10.0)).ToString("G6", CultureInfo.InvariantCulture)).Append(c + 1 < columns ? ',' : '\n');
            }

            writer.Write(line);
        }
    }
}
