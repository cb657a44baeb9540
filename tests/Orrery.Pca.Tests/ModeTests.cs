using Orrery.Pca.Solvers;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>Covariance against matrix-free mode, and the shard count, on the same data and seed.</summary>
public sealed class ModeTests
{
    /// <summary>
    /// Covariance mode holds Sigma on one shard (for the exact spectra the generated Q diag(lambda) Q^T; for
    /// low-rank data Sigma = Y^T Y / n formed once by a float32 GEMM); matrix-free mode sums Y^T (Y V) over
    /// leaves of the rows. The two float32 operators differ by rounding (~1e-7 relative), and both runs converge to
    /// within the float floor (~2e-7) of the exact vectors, so their vectors agree to E-distance &lt; 1e-6
    /// (each vector within 2e-6 after sign alignment).
    /// </summary>
    [Theory]
    [InlineData("power", 400)]
    [InlineData("exponential", 250)]
    [InlineData("low-rank", 400)]
    public async Task MatrixFreeAndCovarianceGiveTheSameVectors(string spectrum, int rounds)
    {
        var source = PcaRuns.Generated(spectrum);
        var covariance = PcaRuns.Request(source, rounds: rounds, mode: "covariance");
        var free = PcaRuns.Request(source, rounds: rounds);
        var a = await PcaRuns.RunLocalAsync(covariance);
        var b = await PcaRuns.RunLocalAsync(free);

        var truthOfB = new PcaTruth([.. b.Eigenvalues], [.. b.Published.Select(v => v.Select(x => (double)x).ToArray())]);
        var distance = PcaMetrics.Error(truthOfB, a.Published);
        Assert.True(distance < 1e-6, $"covariance vs matrix-free vectors differ by E = {distance:e3}");
    }

    [Fact]
    public async Task GeneratedCovarianceModeConvergesToTheKnownBasis()
    {
        var source = PcaRuns.Generated("power");
        var request = PcaRuns.Request(source, rounds: 400, mode: "covariance");
        request.Truth = "auto";
        var driver = await PcaRuns.RunLocalAsync(request);
        Assert.True(driver.History[^1].Error < 1e-5, $"E = {driver.History[^1].Error:e3}");
    }

    [Fact]
    public async Task OneTwoAndFourShardsGiveBitwiseTheSameVectors()
    {
        var source = PcaRuns.Generated("power");
        var runs = new List<PcaDriver>();
        foreach (var shards in new[] { 1, 2, 4 })
        {
            runs.Add(await PcaRuns.RunLocalAsync(PcaRuns.Request(source, rounds: 60, steps: 2, shards: shards)));
        }

        for (var r = 1; r < runs.Count; r++)
        {
            for (var k = 0; k < 10; k++)
            {
                Assert.Equal(runs[0].Published[k], runs[r].Published[k]);
            }
        }
    }
}
