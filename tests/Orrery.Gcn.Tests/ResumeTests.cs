using Orrery.Contracts.Gcn;
using Orrery.Experiments;
using Orrery.Gcn.Experiments;
using Orrery.Gcn.Training;
using Orrery.Testing;

namespace Orrery.Gcn.Tests;

/// <summary>
/// <c>orrery run --resume</c> for GCN: each checkpoint the coordinator hands over is kept beside the output
/// (<see cref="GcnCheckpointFile"/>), so a run whose client was lost goes on from it.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private const string Spec = """
        kind: gcn
        name: resumable
        data: { source: csbm, nodes: 400, classes: 3, features: 6, p_in: 0.05, p_out: 0.004, separation: 0.8, seed: 5 }
        model: { layers: 2, hidden: 8, dropout: 0.3 }
        partitioning: { method: random, parts: 2 }
        exchange: { mode: vanilla }
        training: { epochs: 8, learning_rate: 0.02, checkpoint_every: 2 }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("orrery-gcn-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// A run interrupted after its fifth epoch leaves the checkpoint after epoch 4 beside its (unwritten) output; the same command
    /// with --resume trains epochs 4-7 only and writes what an undisturbed run writes: vanilla exchange depends only on the
    /// seed, the epoch and the state the epoch starts from, so every loss and accuracy, and the weights, are the same bits.
    /// The resume folder goes when the output is committed.
    /// </summary>
    [Fact]
    public async Task AnInterruptedRunContinuesFromItsCheckpointWithTheUndisturbedRunsBits()
    {
        var root = ExperimentSpec.Parse(Spec, Path.Combine(_dir, "gcn.yaml"));
        await using var cluster = await Orrery.Cluster.Silos.OrleansEmbeddedCluster.StartAsync(new int[2]);
        var outDir = Path.Combine(_dir, "out");

        using (var interrupt = new CancellationTokenSource())
        using (var output = new ExperimentOutput(outDir))
        {
            var context = Context(cluster, output, resume: false, [], new InlineProgress(p =>
            {
                if (p.Detail.StartsWith("epoch 5/", StringComparison.Ordinal))
                {
                    interrupt.Cancel();
                }
            }));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new GcnExperimentRunner { AdvanceSeconds = 0 }.RunAsync(context, root, interrupt.Token));
        }

        Assert.False(Directory.Exists(outDir));
        var resumeFile = Path.Combine(_dir, ".out.resume", GcnCheckpointFile.FileName);
        var (saved, savedMetrics, _) = GcnCheckpointFile.Read(resumeFile, GcnSpec.Parse(root).Request);
        Assert.Equal(4, saved.Epoch); // checkpoints after epochs 2 and 4; the run was stopped after the fifth
        Assert.Equal(saved.Epoch, savedMetrics.Count);

        var said = new List<string>();
        var epochsTrained = new List<string>();
        using (var output = new ExperimentOutput(outDir))
        {
            var context = Context(cluster, output, resume: true, said, new InlineProgress(p => epochsTrained.Add(p.Detail)));
            Assert.True((await new GcnExperimentRunner { AdvanceSeconds = 0 }.RunAsync(context, root, CancellationToken.None)).Passed);
            output.Commit();
        }

        Assert.Contains(said, line => line.Contains("continuing the interrupted run", StringComparison.Ordinal) && line.Contains($"after epoch {saved.Epoch}", StringComparison.Ordinal));
        Assert.DoesNotContain(epochsTrained, d => d.StartsWith($"epoch {saved.Epoch}/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_dir, ".out.resume")));

        var undisturbedDir = Path.Combine(_dir, "undisturbed");
        using (var output = new ExperimentOutput(undisturbedDir))
        {
            Assert.True((await new GcnExperimentRunner { AdvanceSeconds = 0 }.RunAsync(Context(cluster, output, resume: false, [], null), root, CancellationToken.None)).Passed);
            output.Commit();
        }

        Assert.Equal(Columns(undisturbedDir), Columns(outDir));
        Assert.Equal(File.ReadAllBytes(Path.Combine(undisturbedDir, "weights", "layer1.self.weight.npy")), File.ReadAllBytes(Path.Combine(outDir, "weights", "layer1.self.weight.npy")));
    }

    [Fact]
    public async Task ResumeWithoutACheckpointIsRefusedNamingTheFolder()
    {
        var root = ExperimentSpec.Parse(Spec, Path.Combine(_dir, "gcn.yaml"));
        await using var cluster = await Orrery.Cluster.Silos.OrleansEmbeddedCluster.StartAsync(new int[1]);
        using var output = new ExperimentOutput(Path.Combine(_dir, "none"));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => new GcnExperimentRunner().RunAsync(Context(cluster, output, resume: true, [], null), root, CancellationToken.None));
        Assert.Contains("--resume", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir, ".none.resume"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFileRoundTripsAndRefusesWhatIsNotItsOwn()
    {
        var request = GcnSpec.Parse(ExperimentSpec.Parse(Spec, Path.Combine(_dir, "gcn.yaml"))).Request;
        var checkpoint = new GcnCheckpoint { Epoch = 2, AdamSteps = 2, Weights = [1f, -2.5f, 3e-8f], AdamFirst = [0.1f, 0.2f, 0.3f], AdamSecond = [4f, 5f, 6f] };
        // Epoch 0 ran no evaluation pass (training.evaluate_every): its accuracies are NaN and come back as NaN.
        var metrics = new List<EpochMetrics>
        {
            new(0, 1.1, double.NaN, double.NaN, double.NaN, 0.5, 0.1, 0), new(1, 0.9, 0.4, 0.41, 0.42, 0.6, 0.2, 0.25), new(2, 0.8, 0.5, 0.5, 0.5, 0.7, 0.3, 0.2),
        };
        var path = Path.Combine(_dir, GcnCheckpointFile.FileName);
        GcnCheckpointFile.Write(path, request, checkpoint, metrics, [10, 20, 30]);

        var (read, readMetrics, readBytes) = GcnCheckpointFile.Read(path, request);
        Assert.Equal((2, 2), (read.Epoch, read.AdamSteps));
        Assert.Equal(checkpoint.Weights, read.Weights);
        Assert.Equal(checkpoint.AdamFirst, read.AdamFirst);
        Assert.Equal(checkpoint.AdamSecond, read.AdamSecond);
        Assert.Equal(metrics.Take(2), readMetrics);
        Assert.Equal([10L, 20L], readBytes);
        Assert.False(File.Exists(path + ".tmp"));

        var good = File.ReadAllBytes(path);
        string Refusal(byte[] bytes, GcnTrainRequest? forRequest = null)
        {
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => GcnCheckpointFile.Read(path, forRequest ?? request));
            Assert.StartsWith($"checkpoint file {path}: ", e.Message, StringComparison.Ordinal);
            return e.Message;
        }

        Assert.Contains("magic", Refusal([.. "not a checkpoint at all"u8]), StringComparison.Ordinal);
        Assert.Contains("checksum", Refusal(good[..^40]), StringComparison.Ordinal);
        var flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 1;
        Assert.Contains("checksum", Refusal(flipped), StringComparison.Ordinal);
        var otherSpec = GcnSpec.Parse(ExperimentSpec.Parse(Spec.Replace("hidden: 8", "hidden: 9", StringComparison.Ordinal), Path.Combine(_dir, "gcn.yaml"))).Request;
        Assert.Contains("another run", Refusal(good, otherSpec), StringComparison.Ordinal);
    }

    private static ExperimentContext Context(Orrery.Cluster.Silos.OrleansEmbeddedCluster cluster, ExperimentOutput output, bool resume, List<string> said, IProgress<ExperimentProgress>? progress) => new()
    {
        Cluster = cluster.Client,
        Silos = _ => Task.FromResult<IReadOnlyList<Orrery.Contracts.Cluster.ClusterSiloInfo>>([]),
        Output = output,
        Say = said.Add,
        Resume = resume,
        Progress = progress ?? new Progress<ExperimentProgress>(),
    };

    /// <summary>metrics.csv without its timing columns (seconds and exchange seconds differ from run to run).</summary>
    private static string[] Columns(string dir) =>
        [.. File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Select(line => string.Join(',', line.Split(',').Take(5)))];
}
