using MathNet.Numerics.LinearAlgebra;
using Orrery.Cluster.Silos;
using Orrery.Compute.Cpu;
using Orrery.Contracts.Pca;
using Orrery.Pca.Data;
using Orrery.Pca.Solvers;

namespace Orrery.Pca.Tests.Support;

/// <summary>Runs PCA in process (<see cref="LocalBackend"/>) and computes the reference answer independently.</summary>
public static class PcaRuns
{
    /// <summary>One CPU device for every test: GEMM by OpenBLAS where it is installed, by the managed kernel otherwise (or with ORRERY_HIDE_NATIVE_LIBRARIES=openblas).</summary>
    public static CpuDevice Cpu { get; } = new();

    /// <summary>A generated matrix-free source: d = 300, n = 600 rows, the given spectrum.</summary>
    public static PcaSource Generated(string spectrum, int dimension = 300, long rows = 600, ulong seed = 11) =>
        new() { Kind = "generated", Spectrum = spectrum, Dimension = dimension, Rows = rows, Seed = seed, Noise = 0.05, Rank = 8 };

    /// <summary>A run of <paramref name="solver"/> with K = 10 and T steps per round.</summary>
    public static PcaStartRequest Request(PcaSource source, string solver = "parallel", int components = 10, int steps = 1, int rounds = 2000, double target = 0, int shards = 1, string mode = "matrix-free") => new()
    {
        Source = source,
        Solver = solver,
        Components = components,
        StepsPerRound = steps,
        MaxRounds = rounds,
        TargetError = target,
        Shards = shards,
        Mode = mode,
        Seed = 5,
        Truth = "none",
    };

    /// <summary>An embedded Orleans cluster of <paramref name="silos"/> CPU silos (the PCA grains come with the Orrery.Pca reference).</summary>
    public static Task<OrleansEmbeddedCluster> StartClusterAsync(int silos) => OrleansEmbeddedCluster.StartAsync(new int[silos]);

    /// <summary>Runs to the end in this process and returns the driver.</summary>
    public static async Task<PcaDriver> RunLocalAsync(PcaStartRequest request)
    {
        using var backend = new LocalBackend(Cpu, PcaOptions.Normalise(request));
        var driver = new PcaDriver(request, backend);
        await driver.StartAsync(CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!driver.Finished)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), $"the local PCA run did not finish within five minutes ({driver.Round} rounds)");
            await driver.AdvanceAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        await driver.FinishAsync(CancellationToken.None);
        return driver;
    }

    /// <summary>
    /// The reference: the exact top-K eigenpairs of Y^T Y / n for the float32 rows the shards hold, formed in
    /// double and decomposed by MathNet (independent of the code under test except for the row generator).
    /// </summary>
    public static PcaTruth ExactTruth(PcaSource source, int components)
    {
        var (rows, d) = PcaData.Shape(source);
        var y = PcaData.Rows(source, 0, (int)rows);
        var m = Matrix<double>.Build.Dense(y.Rows, d, (i, j) => y.Values[(long)i * d + j]);
        var sigma = m.TransposeThisAndMultiply(m) / rows;
        var evd = sigma.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, d).OrderByDescending(i => evd.EigenValues[i].Real).Take(components).ToArray();
        return new PcaTruth([.. order.Select(i => evd.EigenValues[i].Real)], [.. order.Select(i => evd.EigenVectors.Column(i).ToArray())]);
    }

    /// <summary>E of the driver's published vectors against <paramref name="truth"/>.</summary>
    public static double Error(PcaTruth truth, PcaDriver driver) => PcaMetrics.Error(truth, driver.Published);

    /// <summary>The first round at which the run's own error fell below <paramref name="target"/>; -1 when it never did.</summary>
    public static int FirstRoundBelow(PcaDriver driver, double target) =>
        driver.History.FirstOrDefault(r => r.Error <= target)?.Round ?? -1;
}
