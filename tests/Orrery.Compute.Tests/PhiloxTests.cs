using Orrery.Compute.Random;

namespace Orrery.Compute.Tests;

public sealed class PhiloxTests
{
    // Random123's kat_vectors for philox4x32 with 10 rounds: counter (4 words), key (2 words), output (4 words).
    [Theory]
    [InlineData(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void MatchesRandom123KnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3)
    {
        Assert.Equal(new PhiloxBlock(r0, r1, r2, r3), Philox4x32.Generate(new PhiloxBlock(c0, c1, c2, c3), k0, k1));
    }

    [Fact]
    public void StreamLayoutPutsSeedInTheKeyAndStreamAndDrawInTheCounter()
    {
        var direct = Philox4x32.Generate(new PhiloxBlock(0x89ABCDEF, 0x01234567, 7, 0), 0xDEADBEEF, 0x00C0FFEE);
        Assert.Equal(direct, Philox4x32.Generate(0x00C0FFEE_DEADBEEFUL, 0x01234567_89ABCDEFUL, 7));
    }

    [Fact]
    public void UniformsStayInsideTheOpenUnitInterval()
    {
        Assert.InRange(NormalTransform.Uniform(0), float.Epsilon, 1e-9f);
        Assert.True(NormalTransform.Uniform(uint.MaxValue) < 1f);
        Assert.True(float.IsFinite(NormalTransform.BoxMuller(0, 0).Z0));
    }

    [Fact]
    public void NormalsHaveZeroMeanUnitVarianceAndGaussianTails()
    {
        // 2^20 variates: the sample mean has sd 1/sqrt(n) ~ 0.001 and the variance sd sqrt(2/n) ~ 0.0014;
        // bounds at 5 sd. P(|Z| > 3) = 0.0026998 has sd sqrt(p(1-p)/n) ~ 5.1e-5.
        const int pairs = 1 << 19;
        double sum = 0, squares = 0;
        var tail = 0;
        for (ulong i = 0; i < pairs; i++)
        {
            var block = Philox4x32.Generate(42, 3, i);
            var (z0, z1) = NormalTransform.BoxMuller(block.X0, block.X1);
            foreach (double z in (ReadOnlySpan<float>)[z0, z1])
            {
                sum += z;
                squares += z * z;
                tail += Math.Abs(z) > 3 ? 1 : 0;
            }
        }

        const double n = 2.0 * pairs;
        var mean = sum / n;
        Assert.InRange(mean, -0.005, 0.005);
        Assert.InRange(squares / n - mean * mean, 1 - 0.007, 1 + 0.007);
        Assert.InRange(tail / n, 0.0027 - 0.00026, 0.0027 + 0.00026);
    }
}
