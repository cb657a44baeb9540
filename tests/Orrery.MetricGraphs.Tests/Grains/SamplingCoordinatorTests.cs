using Orleans;
using Orrery.Cluster.Placement;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Experiments;
using Orrery.MetricGraphs.Formats;
using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;
using Orrery.Testing;

namespace Orrery.MetricGraphs.Tests.Grains;

/// <summary>
/// The coordinator on embedded Orleans clusters: the merged result is bitwise that of one in-process run whatever the
/// number of ensembles and silos, checkpoints (over the tensor channel) included, and a silo that stops mid-job has its
/// ensembles moved without changing a bit.
/// </summary>
public sealed class SamplingCoordinatorTests
{
    // Every feature of the sampler (cycle, all drift kinds, explicit weights, a source, an absorbing vertex).
    private static readonly string GraphJson = MetricGraphJson.Write(TestGraphs.Mixed());
    private static readonly SamplingOptions Options = new() { Seed = 11, TimeStep = 2e-3f, Steps = 400, BinsPerEdge = 8, WindowSteps = 100, ExitTimeBins = 20 };

    private static SamplingJob Job(long particles, int ensembles, long sliceSteps, int checkpointEvery = 1) => new()
    {
        GraphJson = GraphJson,
        Settings = SamplingWire.ToSettings(Options),
        Initial = new InitialPlacement { Kind = InitialKind.FromSources },
        Particles = particles,
        SliceSteps = sliceSteps,
        CheckpointEvery = checkpointEvery,
        Ensembles = ensembles,
    };

    private sealed class SynchronousProgress(Action<Orrery.Experiments.ExperimentProgress> report) : IProgress<Orrery.Experiments.ExperimentProgress>
    {
        public void Report(Orrery.Experiments.ExperimentProgress value) => report(value);
    }

    /// <summary>Polls the job's progress until <paramref name="until"/> holds; fails the test after two minutes.</summary>
    private static async Task<SamplingProgressReply> ProgressWhenAsync(ISamplingCoordinatorGrain coordinator, Func<SamplingProgressReply, bool> until)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var progress = await coordinator.GetProgressAsync();
            if (until(progress))
            {
                return progress;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"the job's progress stayed at {progress.Fraction:P0} ({progress.State}) for two minutes");
            await Task.Delay(20);
        }
    }

    private static Task<OrleansEmbeddedCluster> StartClusterAsync(int silos) => OrleansEmbeddedCluster.StartAsync(new int[silos]);

    private static SamplingResult InProcess(long particles) =>
        new MetricGraphSampler(MetricGraphJson.Parse(GraphJson), Options).Run(0, (int)particles, InitialCondition.FromSources());

    [Fact]
    public async Task OneSevenAndThreeSiloRunsAreIdenticalToOneInProcessRun()
    {
        const int particles = 7001;
        var expected = InProcess(particles);

        await using (var one = await StartClusterAsync(1))
        {
            var single = await SamplingJobDriver.RunAsync(one.Client, Job(particles, ensembles: 1, sliceSteps: 400), "one");
            Assert.Single(single.Reply.Ensembles);
            Assert.True(single.Result.IsIdenticalTo(expected), "1 ensemble differs from the in-process run");

            var seven = await SamplingJobDriver.RunAsync(one.Client, Job(particles, ensembles: 7, sliceSteps: 70, checkpointEvery: 2), "seven");
            Assert.Equal(7, seven.Reply.Ensembles.Count);
            Assert.Equal(particles, seven.Reply.Ensembles.Sum(e => (long)e.Count));
            Assert.True(seven.Result.IsIdenticalTo(expected), "7 ensembles in slices of 70 steps differ from the in-process run");
        }

        await using var three = await StartClusterAsync(3);
        var spread = await SamplingJobDriver.RunAsync(three.Client, Job(particles, ensembles: 0, sliceSteps: 50), "three");
        Assert.Equal(3, spread.Reply.Ensembles.Count);
        Assert.Equal(3, spread.Reply.Ensembles.Select(e => e.Silo).Distinct().Count());
        Assert.True(spread.Result.IsIdenticalTo(expected), "3 silos differ from the in-process run");
    }

    [Fact]
    public async Task EnsemblesOfAStoppedSiloMoveAndTheResultDoesNotChange()
    {
        const int particles = 30000;
        var expected = InProcess(particles);
        await using var cluster = await StartClusterAsync(3);
        var coordinator = cluster.Client.GetGrain<ISamplingCoordinatorGrain>($"stop-test-{Guid.NewGuid():N}");
        var started = await coordinator.StartAsync(Job(particles, ensembles: 6, sliceSteps: 10, checkpointEvery: 3), CancellationToken.None);
        Assert.Equal(6, started.Ensembles);

        // Not the coordinator's silo, nor silo 0, which holds the embedded cluster's membership (development clustering).
        var victim = cluster.SiloNames.Skip(1).First(s => s != started.Silo);
        var progress = await ProgressWhenAsync(coordinator, p => p.State != SamplingState.Running || p.Fraction >= 0.2);

        Assert.True(progress.State == SamplingState.Running && progress.Fraction < 0.9, $"the stop must land mid-job; progress was {progress.Fraction:P0} ({progress.State})");
        await cluster.StopSiloAsync(cluster.SiloNames.ToList().IndexOf(victim));

        progress = await ProgressWhenAsync(coordinator, p => p.State != SamplingState.Running);

        Assert.True(progress.State == SamplingState.Done, $"{progress.State}: {progress.Error}");
        var reply = await coordinator.GetResultAsync();
        // Only the victim's ensembles moved: with the consistent grain directory, ensembles on the other silos keep
        // their one activation while the cluster changes (UseConsistentGrainDirectory).
        var moved = reply.Ensembles.Where(e => e.Placements > 1).ToList();
        Assert.NotEmpty(moved);
        Assert.All(moved, e => Assert.StartsWith(victim + " at step ", e.MovedFrom[0]));
        Assert.All(reply.Ensembles, e => Assert.NotEqual(victim, e.Silo));
        var options = SamplingWire.ToOptions(SamplingWire.ToSettings(Options));
        Assert.True(SamplingWire.ToResult(reply.Counts, options, MetricGraphJson.Parse(GraphJson)).IsIdenticalTo(expected), "the moved run differs from the undisturbed one");
    }

    [Fact]
    public async Task JobWhoseCoordinatorSiloStopsIsStartedAgainWithTheSameResult()
    {
        const int particles = 30000;
        var expected = InProcess(particles);
        await using var cluster = await StartClusterAsync(3);
        var coordinatorSilo = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var underway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var said = new List<string>();
        // The first coordinator goes to silo 1 (silo 0 holds the embedded cluster's membership, so it must stay up).
        var silo1 = (await cluster.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync()).Single(s => s.Name == cluster.SiloNames[1]);
        using var hint = PlacementHint.On(silo1.Address);
        var run = SamplingJobDriver.RunAsync(cluster.Client, Job(particles, ensembles: 3, sliceSteps: 10), "lost-coordinator",
            new SynchronousProgress(p =>
            {
                if (p.Fraction > 0.2)
                {
                    underway.TrySetResult();
                }
            }),
            line =>
            {
                lock (said)
                {
                    said.Add(line);
                }
            },
            started: (_, reply) => coordinatorSilo.TrySetResult(reply.Silo));

        var name = await coordinatorSilo.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(cluster.SiloNames[1], name);
        await underway.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(run.IsCompleted, "the stop must land mid-job");
        await cluster.StopSiloAsync(cluster.SiloNames.ToList().IndexOf(name));

        var finished = await run.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(1, finished.Restarts);
        Assert.EndsWith("/a2", finished.JobKey);
        Assert.NotEqual(name, finished.Reply.Silo);
        Assert.Contains(said, line => line.Contains("was lost", StringComparison.Ordinal));
        Assert.True(finished.Result.IsIdenticalTo(expected), "the restarted job differs from the undisturbed run");
    }

    // Caught before: a poll answered by a fresh coordinator activation that knew no job made the driver start the
    // job again while the original coordinator's silo lived (on a real cluster a silo joining or Redis restarting
    // did that, and the copies ran side by side). Now it starts the job once and, with the original gone for good on
    // a live silo, gives the run up after its patience instead of running a second copy.
    [Fact]
    public async Task AJoblessAnswerWhileTheCoordinatorsSiloLivesNeverStartsASecondCopy()
    {
        await using var cluster = await StartClusterAsync(2);
        var starts = 0;
        var key = "";
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var said = new List<string>();
        var run = SamplingJobDriver.RunAsync(cluster.Client, Job(60000, ensembles: 2, sliceSteps: 2), "jobless",
            say: line =>
            {
                lock (said)
                {
                    said.Add(line);
                }
            },
            started: (k, _) =>
            {
                Interlocked.Increment(ref starts);
                key = k;
                started.TrySetResult();
            },
            orphanPatience: TimeSpan.FromSeconds(3));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The coordinator's activation goes (its job with it) while its silo stays: the next polls meet fresh ones.
        await cluster.Client.GetGrain<ISamplingCoordinatorGrain>(key).Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var failed = await Assert.ThrowsAsync<SamplingJobFailedException>(() => run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(1, starts);
        Assert.Contains("not starting a second copy of the job", failed.Message);
        lock (said)
        {
            Assert.Contains(said, line => line.Contains("its silo is still a member, so the job is not started again", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// Activations that no caller gave work end by themselves within <see cref="StrayActivation.Patience"/>: here a
    /// result asked of a coordinator and a slice asked of an ensemble that hold no job; in a cancelled run, the
    /// cancellation of a slice that Orleans delivers after the coordinator released the ensemble (Orleans activates the
    /// grain again to deliver it). Without this they stayed until idle collection, minutes later. An ensemble that was
    /// started and then called no more stays.
    /// </summary>
    [Fact]
    public async Task ActivationsGivenNoWorkEndByThemselves_AStartedEnsembleStays()
    {
        await using var cluster = await StartClusterAsync(2);
        var started = cluster.Client.GetGrain<IParticleEnsembleGrain>("kept/e0");
        await started.StartAsync(new StartEnsembleRequest
        {
            RunId = "kept/e0",
            GraphJson = GraphJson,
            Settings = SamplingWire.ToSettings(Options),
            Initial = new InitialPlacement { Kind = InitialKind.FromSources },
            FirstParticle = 0,
            Count = 100,
        }, CancellationToken.None);

        await Assert.ThrowsAsync<SamplingRequestException>(() => cluster.Client.GetGrain<ISamplingCoordinatorGrain>("stray").GetResultAsync());
        await Assert.ThrowsAsync<EnsembleLostException>(() =>
            cluster.Client.GetGrain<IParticleEnsembleGrain>("stray/e0").AdvanceAsync(new AdvanceEnsembleRequest { RunId = "stray/e0", Steps = 1 }, CancellationToken.None));
        Assert.Equal((1, 2), await ActivationsAsync(cluster));

        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 1), StrayActivation.Patience + TimeSpan.FromSeconds(20), "the stray coordinator and ensemble to be deactivated");
        var advanced = await started.AdvanceAsync(new AdvanceEnsembleRequest { RunId = "kept/e0", Steps = 10 }, CancellationToken.None);
        Assert.Equal(10, advanced.NextStep);
        await started.ReleaseAsync("kept/e0");
    }

    [Fact]
    public async Task CancellingTheCallerStopsTheJobOnTheCluster()
    {
        await using var cluster = await StartClusterAsync(2);
        using var cancel = new CancellationTokenSource();
        var key = "";
        var run = SamplingJobDriver.RunAsync(cluster.Client, Job(30000, ensembles: 2, sliceSteps: 5), "cancelled",
            started: (k, _) =>
            {
                key = k;
                cancel.CancelAfter(300);
            },
            cancellationToken: cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // The job was stopped and released: its coordinator and ensembles are deactivated (idle collection would take
        // minutes), and a later poll finds no job.
        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 0), TimeSpan.FromSeconds(30), "the cancelled job's grains to be deactivated");
        var coordinator = cluster.Client.GetGrain<ISamplingCoordinatorGrain>(key);
        Assert.Equal(SamplingState.Unknown, (await coordinator.GetProgressAsync()).State);
    }

    /// <summary>
    /// A finished job gives its grains back once the driver holds the result: the coordinator (which held the merged
    /// counts) and the ensembles are deactivated within the deadline; releasing again is harmless.
    /// </summary>
    [Fact]
    public async Task AFinishedJobReleasesItsGrains()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = "";
        var run = await SamplingJobDriver.RunAsync(cluster.Client, Job(2000, ensembles: 3, sliceSteps: 100), "released", started: (k, _) => key = k);
        Assert.Equal(2000, run.Result.Particles);
        await Eventually.TrueAsync(async () => await ActivationsAsync(cluster) == (0, 0), TimeSpan.FromSeconds(30), "the finished job's grains to be deactivated");
        await cluster.Client.GetGrain<ISamplingCoordinatorGrain>(key).ReleaseAsync();
    }

    /// <summary>Activations of the sampling coordinator and ensemble grains over the cluster's silos.</summary>
    private static async Task<(int Coordinators, int Ensembles)> ActivationsAsync(OrleansEmbeddedCluster cluster)
    {
        var statistics = await cluster.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetSimpleGrainStatistics();
        int Count(string type) => statistics.Where(s => s.GrainType.Contains(type, StringComparison.Ordinal)).Sum(s => s.ActivationCount);
        return (Count(nameof(SamplingCoordinatorGrain)), Count(nameof(ParticleEnsembleGrain)));
    }

    [Fact]
    public async Task BadJobsAndMisuseAreRefusedWithReasons()
    {
        await using var cluster = await StartClusterAsync(1);
        var gpuJob = Job(100, 0, 10);
        gpuJob.Device = DevicePreference.Gpu;
        var noGpu = await Assert.ThrowsAsync<SamplingRequestException>(() =>
            cluster.Client.GetGrain<ISamplingCoordinatorGrain>("gpu-job").StartAsync(gpuJob, CancellationToken.None));
        Assert.Contains("the job asks for GPUs and no active silo reports one", noGpu.Message);

        var badSlice = Job(100, 0, 0);
        var slice = await Assert.ThrowsAsync<SamplingRequestException>(() =>
            cluster.Client.GetGrain<ISamplingCoordinatorGrain>("slice-job").StartAsync(badSlice, CancellationToken.None));
        Assert.Contains("SamplingJob.slice_steps is 0; it must be at least 1", slice.Message);

        var idle = cluster.Client.GetGrain<ISamplingCoordinatorGrain>("never-started");
        Assert.Equal(SamplingState.Unknown, (await idle.GetProgressAsync()).State);
        Assert.Contains("holds no sampling job", (await Assert.ThrowsAsync<SamplingRequestException>(() => idle.GetResultAsync())).Message);

        var ensemble = cluster.Client.GetGrain<IParticleEnsembleGrain>("lonely");
        var lost = await Assert.ThrowsAsync<EnsembleLostException>(() => ensemble.AdvanceAsync(new AdvanceEnsembleRequest { RunId = "r", Steps = 1 }, CancellationToken.None));
        Assert.Contains("holds no particles of run 'r'", lost.Message);
    }
}
