using System.Globalization;
using System.Text;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.Pca;
using Orrery.Pca.Experiments;
using Orrery.Pca.Solvers;
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

    /// <summary>How long the filter holds each worker step (the workers of a round step in parallel: 40 ms a round at least).</summary>
    private static readonly TimeSpan SlowStep = TimeSpan.FromMilliseconds(40);

    /// <summary>Rounds of held steps that outlast the 2 s deadline within the first 3 s slice (2 s / 40 ms = 50, with a margin).</summary>
    private const int MinimumRounds = 60;

    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-pca-deadline-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// A CSV of 800 columns with an exact truth: parsing it, forming Sigma in double and decomposing it must take longer
    /// than the 2 s deadline of every call. The file is sized on the machine that runs the test, not guessed: the rows
    /// double until the truth computation alone (the coordinator's own phase, timed here in process) takes twice the
    /// deadline, and the run's recorded set-up is asserted to exceed it. The start used to be one call that loaded and
    /// computed everything, and timed out; now it is a sequence of slices.
    /// </summary>
    [Fact]
    public async Task StartUpLongerThanTheCallDeadlineDoesNotFailTheRun()
    {
        const int columns = 800;
        var source = new PcaSource { Kind = "csv", Center = true };
        var rows = 3000;
        while (true)
        {
            source.Path = Path.Combine(_folder, $"wide-{rows}.csv");
            WriteCsv(source.Path, rows, columns);
            var normalised = PcaOptions.Normalise(PcaRuns.Request(source, components: 3)).Source;
            var pilot = System.Diagnostics.Stopwatch.StartNew();
            PcaTruth.FromData(normalised, "matrix-free", rows, columns, 3);
            if (pilot.Elapsed > 2 * Deadline || rows >= 96_000)
            {
                break;
            }

            rows *= 2;
        }

        var request = PcaRuns.Request(source, components: 3, rounds: 5, shards: 2);
        request.Truth = "exact";

        await using var cluster = await StartClusterAsync(2);
        var phases = new List<string>();
        var result = await PcaJob.RunAsync(cluster.Client, "long-start", request, slice => phases.Add(slice.Phase));

        var setup = result.Start.LoadSeconds + result.Start.TruthSeconds;
        Assert.True(setup > Deadline.TotalSeconds, $"the start-up took {setup:F1} s, not more than the {Deadline.TotalSeconds} s deadline");
        Assert.Equal(0, result.Restarts);
        Assert.True(result.Start.Ready && result.Start.HasTruth && result.Start.Dimension == columns && result.Start.Rows == rows);
        Assert.Equal(5, result.Result.History.Count);
        Assert.Contains(phases, p => p is "loading the shards" or "computing the exact truth");
    }

    /// <summary>
    /// Slices of 3 s against a 2 s deadline: advance calls time out while the coordinator's silo is active and the
    /// coordinator keeps working. The client asks again and the run finishes on its first coordinator (it used to start
    /// the run over after 5 timeouts in a row, and on any rejection or timeout of the start). The condition is forced,
    /// not hoped for: an incoming-call filter on the silo holds every worker step for <see cref="SlowStep"/>, so a run of
    /// at least <see cref="MinimumRounds"/> rounds keeps the coordinator's first advance call busy past the deadline, on any machine
    /// (asserted from the run's own record).
    /// </summary>
    [Fact]
    public async Task TimeoutsWhileTheCoordinatorsSiloIsActiveDoNotRestartTheRun()
    {
        var request = PcaRuns.Request(PcaRuns.Generated("power"), rounds: 1_000_000, target: 1e-5);
        request.Truth = "auto";
        await using var cluster = await OrleansEmbeddedCluster.StartAsync(
            [0],
            (_, silo) => silo
                .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = Deadline)
                .AddIncomingGrainCallFilter(async call =>
                {
                    if (call.Grain is IDeflationWorkerGrain && call.InterfaceMethod.Name == nameof(IDeflationWorkerGrain.StepAsync))
                    {
                        await Task.Delay(SlowStep);
                    }

                    await call.Invoke();
                }),
            configureClient: client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = Deadline));
        var said = new List<string>();
        var result = await PcaJob.RunAsync(cluster.Client, "slow-slices", request, sliceSeconds: 3, say: said.Add);

        Assert.True(result.Result.History.Count >= MinimumRounds, $"the run took {result.Result.History.Count} rounds, fewer than the {MinimumRounds} that outlast a slice");
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
