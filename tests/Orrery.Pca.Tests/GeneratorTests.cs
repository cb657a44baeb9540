using Orrery.Pca.Data;
using Orrery.Pca.Tests.Support;

namespace Orrery.Pca.Tests;

/// <summary>The generated matrices: exact spectrum, centred rows, row-local generation, orthonormal basis.</summary>
public sealed class GeneratorTests
{
    [Theory]
    [InlineData("power")]
    [InlineData("exponential")]
    [InlineData("spiked")]
    public void SampleCovarianceOfTheRowsIsQLambdaQTransposed(string spectrum)
    {
        // d = 40, n = 81: Y^T Y / n against Sigma = Q diag(lambda) Q^T, both from the generator; the
        // difference is float32 rounding of Y (relative 6e-8 per entry, summed over 81 rows): < 1e-6.
        var source = PcaRuns.Generated(spectrum, dimension: 40, rows: 81);
        var y = PcaData.Rows(source, 0, 81);
        var sigma = SyntheticData.Covariance(source);
        var worst = 0.0;
        for (var i = 0; i < 40; i++)
        {
            for (var j = 0; j < 40; j++)
            {
                var sum = 0.0;
                for (var r = 0; r < 81; r++)
                {
                    sum += (double)y.Values[r * 40 + i] * y.Values[r * 40 + j];
                }

                worst = Math.Max(worst, Math.Abs(sum / 81 - sigma.Values[i * 40 + j]));
            }
        }

        Assert.True(worst < 1e-6, $"largest |Y^T Y / n - Sigma| = {worst:e2}");
        var columnMean = Enumerable.Range(0, 40).Max(c => Math.Abs(Enumerable.Range(0, 81).Average(r => (double)y.Values[r * 40 + c])));
        Assert.True(columnMean < 1e-6, $"rows not centred: column mean {columnMean:e2}");
    }

    [Fact]
    public void RowsAreTheSameWhateverBlockTheyAreGeneratedIn()
    {
        foreach (var spectrum in new[] { "power", "low-rank" })
        {
            var source = PcaRuns.Generated(spectrum, dimension: 30, rows: 100);
            var whole = PcaData.Rows(source, 0, 100);
            var part = PcaData.Rows(source, 37, 20);
            Assert.Equal(whole.Values.AsSpan(37 * 30, 20 * 30).ToArray(), part.Values);
        }
    }

    [Fact]
    public void BasisIsOrthonormalAndItsLeadingColumnsComeAloneForLargeDimensions()
    {
        var q = RandomOrthogonal.Columns(64, 9);
        for (var i = 0; i < 64; i++)
        {
            for (var j = 0; j < 64; j++)
            {
                var dot = q[i].Zip(q[j], (a, b) => a * b).Sum();
                Assert.True(Math.Abs(dot - (i == j ? 1 : 0)) < 1e-13, $"q{i} . q{j} = {dot}");
            }
        }

        var leading = RandomOrthogonal.LeadingColumns(64, 9, 5);
        for (var k = 0; k < 5; k++)
        {
            Assert.Equal(q[k], leading[k]);
        }
    }
}
