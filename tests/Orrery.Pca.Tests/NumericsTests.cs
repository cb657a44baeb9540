using Orrery.Contracts.Pca;
using Orrery.Pca.Data;
using Orrery.Pca.Solvers;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>
/// What the solvers do at the edges of float32, the precision of the truth E is measured against, what the byte count
/// counts, and the errors a run too small for its leaves gets.
/// </summary>
public sealed class NumericsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-pca-numerics-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// Finite float32 data whose products overflow (values 1e20: Y^T Y x is about 1e41): the run fails at once naming
    /// the round and the worker, instead of going on (it used to keep the random start vectors and report "checks passed").
    /// </summary>
    [Fact]
    public async Task ASolverMeetingAnOverflowFailsNamingTheRoundAndTheWorker()
    {
        var values = new float[64 * 8];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((1 + (i * 7919 % 13)) * 1e20);
        }

        var path = Path.Combine(_folder, "huge.raw");
        RawMatrixFile.Write(path, new PcaMatrix(64, 8, values));
        var request = PcaRuns.Request(new PcaSource { Kind = "raw", Path = path, Scale = 1 }, components: 2, rounds: 5);
        var error = await Assert.ThrowsAsync<PcaDivergedException>(() => PcaRuns.RunLocalAsync(request));
        Assert.Contains("round 1, worker 1: Sigma x is", error.Message);
    }

    /// <summary>A zero product (all-zero data) stops the worker's step naming round, worker and step instead of keeping the old vector.</summary>
    [Fact]
    public void AWorkerStepWithAZeroNormThrowsNamingTheRound()
    {
        var worker = new WorkerState(2, PcaSolver.ParallelDeflation, Top1Solver.Power, [1f, 0f, 0f]);
        var error = Assert.Throws<PcaDivergedException>(() => worker.Step(7, 1, new float[3], 0, [], 1, publish: true));
        Assert.StartsWith("round 7, worker 3, step 1: the norm of the updated vector is 0", error.Message);
    }

    /// <summary>
    /// The exact truth is formed and decomposed in double: it agrees with an independent double reference (Y^T Y / n by
    /// MathNet) to 1e-9 in every vector. Rounding alone separates the two (1e-16 relative per sum over 600 rows and a
    /// symmetric eigensolver: below 1e-12 for these gaps), while a truth formed through the shards' float32 GEMM differs
    /// by 1e-6 or more, the size of the errors it is meant to measure.
    /// </summary>
    [Fact]
    public async Task TheExactTruthIsComputedInFloat64()
    {
        var source = PcaRuns.Generated("low-rank");
        var request = PcaRuns.Request(source, components: 5, rounds: 1);
        request.Truth = "exact";
        var driver = await PcaRuns.RunLocalAsync(request);
        var reference = PcaRuns.ExactTruth(source, 5);
        for (var k = 0; k < 5; k++)
        {
            var u = reference.Vectors[k];
            var v = driver.Truth!.Vectors[k];
            var same = Math.Sqrt(u.Zip(v, (a, b) => (a - b) * (a - b)).Sum());
            var opposite = Math.Sqrt(u.Zip(v, (a, b) => (a + b) * (a + b)).Sum());
            Assert.True(Math.Min(same, opposite) < 1e-9, $"truth vector {k + 1} differs from the float64 reference by {Math.Min(same, opposite):e2}");
            Assert.True(Math.Abs(reference.Eigenvalues[k] - driver.Truth.Eigenvalues[k]) < 1e-12 * reference.Eigenvalues[0], $"eigenvalue {k + 1}");
        }
    }

    /// <summary>The bytes of round 1 are the solver's alone: the same with an exact truth to compute as with none (the truth's Sigma used to go through the shards and count).</summary>
    [Fact]
    public async Task CommunicatedBytesDoNotCountTheTruth()
    {
        var request = PcaRuns.Request(PcaRuns.Generated("low-rank"), components: 4, rounds: 3);
        var none = await PcaRuns.RunLocalAsync(request);
        request.Truth = "exact";
        var exact = await PcaRuns.RunLocalAsync(request);
        Assert.NotNull(exact.Truth);
        Assert.Equal(none.History.Select(r => r.Bytes), exact.History.Select(r => r.Bytes));
    }

    /// <summary>A file with fewer rows than leaves is refused naming the field to change, leaves.</summary>
    [Fact]
    public async Task TooFewRowsForTheLeavesNamesTheLeavesField()
    {
        var path = Path.Combine(_folder, "eight.csv");
        File.WriteAllText(path, string.Concat(Enumerable.Range(0, 8).Select(i => $"{i},{i * i % 5},{i % 3}\n")));
        var request = PcaRuns.Request(new PcaSource { Kind = "csv", Path = path, Center = true }, components: 2, rounds: 2);
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => PcaRuns.RunLocalAsync(request));
        Assert.StartsWith("leaves is 16; the data has 8 rows", error.Message);
    }
}
