using Orrery.Contracts.Pca;

namespace Orrery.Pca.Data;

/// <summary>
/// Generated matrices with a known eigenbasis Q (a random orthogonal matrix from the seed) and a chosen
/// spectrum. The covariance is Sigma = Q diag(lambda) Q^T. The data matrix is built so that its sample
/// covariance is exactly Sigma: Y = U diag(sqrt(n lambda)) Q^T, where U (n x d) holds columns 1..d of the
/// orthonormal DCT-II basis, U[i, k] = sqrt(2/n) cos(pi (i + 1/2)(k + 1) / n). Those columns are
/// orthonormal and orthogonal to the constant vector, so the rows are centred and Y^T Y / n = Sigma,
/// and any row can be computed on its own (shards generate only their rows). Needs n > d.
/// </summary>
public static class SyntheticData
{
    /// <summary>The spectrum named in <paramref name="source"/>.</summary>
    public static SpectrumKind Spectrum(PcaSource source) => source.Spectrum switch
    {
        "power" => SpectrumKind.Power,
        "exponential" => SpectrumKind.Exponential,
        "spiked" => SpectrumKind.Spiked,
        "low-rank" => SpectrumKind.LowRank,
        _ => throw new ArgumentException($"spectrum is '{source.Spectrum}'; it must be power, exponential, spiked or low-rank"),
    };

    /// <summary>The d eigenvalues of the generated covariance, largest first (population values for low-rank).</summary>
    public static double[] Eigenvalues(PcaSource source)
    {
        var d = source.Dimension;
        var rank = Math.Max(1, source.Rank == 0 ? 10 : source.Rank);
        var noise = source.Noise;
        var spectrum = Spectrum(source);
        return Enumerable.Range(1, d).Select(k => spectrum switch
        {
            SpectrumKind.Power => 1.0 / Math.Sqrt(k),
            SpectrumKind.Exponential => Math.Pow(1.1, -k),
            SpectrumKind.Spiked => k <= rank ? noise + (rank - k + 1.0) / rank : noise,
            _ => (k <= rank ? 1.0 / k : 0.0) + noise,
        }).ToArray();
    }

    /// <summary>True when the eigenbasis is exact (every spectrum but low-rank, whose sample covariance is random).</summary>
    public static bool HasExactBasis(PcaSource source) => Spectrum(source) != SpectrumKind.LowRank;

    /// <summary>Sigma = Q diag(lambda) Q^T as float32 (d x d).</summary>
    public static PcaMatrix Covariance(PcaSource source)
    {
        var d = source.Dimension;
        var q = RandomOrthogonal.Columns(d, source.Seed);
        var lambda = Eigenvalues(source);

        // Row i of Q scaled by lambda, against row j of Q: Sigma[i, j] = sum_k Q[i, k] lambda_k Q[j, k].
        var rowsOfQ = new double[d][];
        for (var i = 0; i < d; i++)
        {
            rowsOfQ[i] = new double[d];
            for (var k = 0; k < d; k++)
            {
                rowsOfQ[i][k] = q[k][i];
            }
        }

        var values = new float[(long)d * d];
        Parallel.For(0, d, i =>
        {
            var scaled = new double[d];
            for (var k = 0; k < d; k++)
            {
                scaled[k] = rowsOfQ[i][k] * lambda[k];
            }

            for (var j = i; j < d; j++)
            {
                var row = rowsOfQ[j];
                var sum = 0.0;
                for (var k = 0; k < d; k++)
                {
                    sum += scaled[k] * row[k];
                }

                values[(long)i * d + j] = (float)sum;
                values[(long)j * d + i] = (float)sum;
            }
        });
        return new PcaMatrix(d, d, values);
    }

    /// <summary>Rows [<paramref name="first"/>, first + <paramref name="count"/>) of the generated data matrix Y (n x d).</summary>
    public static PcaMatrix Rows(PcaSource source, long first, int count)
    {
        var d = source.Dimension;
        var n = source.Rows;
        if (n <= d)
        {
            throw new ArgumentException($"a generated data matrix needs more rows than its dimension; rows is {n}, dimension {d}");
        }

        var values = new float[(long)count * d];
        if (Spectrum(source) == SpectrumKind.LowRank)
        {
            var rank = Math.Min(d, source.Rank == 0 ? 10 : source.Rank);
            var w = RandomOrthogonal.LeadingColumns(d, source.Seed, rank);
            var noise = Math.Sqrt(source.Noise);
            Parallel.For(0, count, r =>
            {
                var i = (ulong)(first + r);
                var row = new double[d];
                for (var k = 0; k < rank; k++)
                {
                    var g = SplitMix.Normal(source.Seed ^ 0x5EED_0001UL, i * (ulong)rank + (ulong)k) * Math.Sqrt(1.0 / (k + 1));
                    var column = w[k];
                    for (var c = 0; c < d; c++)
                    {
                        row[c] += g * column[c];
                    }
                }

                for (var c = 0; c < d; c++)
                {
                    values[r * (long)d + c] = (float)(row[c] + noise * SplitMix.Normal(source.Seed ^ 0x5EED_0002UL, i * (ulong)d + (ulong)c));
                }
            });
            return new PcaMatrix(count, d, values);
        }

        var q = RandomOrthogonal.Columns(d, source.Seed);
        var lambda = Eigenvalues(source);
        var scale = new double[d];
        for (var k = 0; k < d; k++)
        {
            scale[k] = Math.Sqrt(2.0 / n) * Math.Sqrt(n * lambda[k]);
        }

        Parallel.For(0, count, r =>
        {
            var i = first + r;
            var row = new double[d];
            for (var k = 0; k < d; k++)
            {
                var coefficient = scale[k] * Math.Cos(Math.PI * (i + 0.5) * (k + 1) / n);
                var column = q[k];
                for (var c = 0; c < d; c++)
                {
                    row[c] += coefficient * column[c];
                }
            }

            for (var c = 0; c < d; c++)
            {
                values[r * (long)d + c] = (float)row[c];
            }
        });
        return new PcaMatrix(count, d, values);
    }
}
