using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// <c>orrery run --resume</c> on real client processes: a GCN run whose client is killed (kill -9: a lost laptop or
/// login node) goes on from the last checkpoint the client saved beside its output, and ends with the results of a run
/// that was never disturbed.
/// </summary>
public sealed class GcnResumeProcessTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task AKilledClientsRunGoesOnFromItsCheckpointWithTheUndisturbedResult()
    {
        var folder = Directory.CreateTempSubdirectory("orrery-gcn-resume-").FullName;
        try
        {
            var spec = Path.Combine(folder, "resumable.yaml");
            File.WriteAllText(spec, """
                kind: gcn
                name: resumable
                data: { source: csbm, nodes: 3000, classes: 4, features: 16, p_in: 0.01, p_out: 0.001, separation: 0.8, seed: 3 }
                model: { layers: 2, hidden: 32, dropout: 0.2 }
                partitioning: { method: random, parts: 2 }
                exchange: { mode: vanilla }
                training: { epochs: 60, learning_rate: 0.01, checkpoint_every: 5 }
                """);
            var output = Path.Combine(folder, "out");
            var checkpoint = Path.Combine(folder, ".out.resume", "gcn-checkpoint.bin");

            await using (var doomed = ClientProcess.Start("run", spec, "--out", output, "--embedded-silos", "2"))
            {
                await Eventually.TrueAsync(() => Task.FromResult(File.Exists(checkpoint)), Deadline, "the first checkpoint beside the output");
                doomed.Signal(9);
                Assert.Equal(137, await doomed.WaitExitAsync(Deadline));
            }

            Assert.False(Directory.Exists(output));
            await using (var resumed = ClientProcess.Start("run", spec, "--out", output, "--embedded-silos", "2", "--resume"))
            {
                Assert.Equal(0, await resumed.WaitExitAsync(Deadline));
                Assert.Contains("continuing the interrupted run", resumed.Output);
            }

            Assert.False(Directory.Exists(Path.Combine(folder, ".out.resume")));
            var undisturbed = Path.Combine(folder, "undisturbed");
            await using (var plain = ClientProcess.Start("run", spec, "--out", undisturbed, "--embedded-silos", "2"))
            {
                Assert.Equal(0, await plain.WaitExitAsync(Deadline));
            }

            // Vanilla exchange: every epoch depends only on the seed, its number and the state it starts from, so losses,
            // accuracies and weights are the same bits (the timing columns differ).
            string[] Metrics(string dir) => [.. File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Select(l => string.Join(',', l.Split(',').Take(5)))];
            Assert.Equal(61, Metrics(output).Length);
            Assert.Equal(Metrics(undisturbed), Metrics(output));
            Assert.Equal(File.ReadAllBytes(Path.Combine(undisturbed, "weights", "layer0.self.weight.npy")), File.ReadAllBytes(Path.Combine(output, "weights", "layer0.self.weight.npy")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ResumeIsRefusedForKindsThatKeepNoCheckpoint()
    {
        var spec = Path.Combine(Executables.RepositoryRoot, "src", "Orrery.MetricGraphs", "Examples", "star-exit.yaml");
        await using var client = ClientProcess.Start("run", spec, "--out", Path.Combine(Path.GetTempPath(), $"orrery-never-{Guid.NewGuid():N}"), "--resume");
        Assert.Equal(1, await client.WaitExitAsync(Deadline));
        Assert.Contains("--resume: sampling runs keep no checkpoint", client.Output.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
