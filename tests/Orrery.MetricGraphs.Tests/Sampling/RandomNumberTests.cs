using System.Runtime.Intrinsics;
using Orrery.Compute.Random;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.Sampling;

public sealed class RandomNumberTests
{
    private static readonly uint[] EdgeWords = [0, 1, 2, 127, 128, 129, 0xFFFF, 0x10000, 0x00FFFFFF, 0x01000000, 0x01000001, 0x7FFFFFFF, 0x80000000, 0xFFFFFF7F, 0xFFFFFF80, 0xFFFFFFFE, uint.MaxValue];

    [Fact]
    public void VectorPhiloxMatchesTheScalarGeneratorWordForWord()
    {
        for (ulong trial = 0; trial < 2000; trial++)
        {
            var seed = 0x9E3779B97F4A7C15UL * (trial + 1);
            var lanes = new PhiloxBlock[8];
            var c0 = new uint[8];
            var c1 = new uint[8];
            for (var lane = 0; lane < 8; lane++)
            {
                var particle = (trial * 8 + (ulong)lane) * 0x100000001UL;
                c0[lane] = (uint)particle;
                c1[lane] = (uint)(particle >> 32);
                lanes[lane] = Philox4x32.Generate(new PhiloxBlock(c0[lane], c1[lane], (uint)trial * 3, (uint)trial), (uint)seed, (uint)(seed >> 32));
            }

            var v0 = Vector256.Create<uint>(c0);
            var v1 = Vector256.Create<uint>(c1);
            var v2 = Vector256.Create((uint)trial * 3);
            var v3 = Vector256.Create((uint)trial);
            PhiloxLanes.Generate(ref v0, ref v1, ref v2, ref v3, (uint)seed, (uint)(seed >> 32));
            for (var lane = 0; lane < 8; lane++)
            {
                Assert.Equal(lanes[lane], new PhiloxBlock(v0.GetElement(lane), v1.GetElement(lane), v2.GetElement(lane), v3.GetElement(lane)));
            }
        }
    }

    // The sampler only takes this path on AVX-512 hardware; elsewhere the test is reported as skipped.
    [SkippableFact]
    public void WidePhiloxMatchesTheScalarGeneratorWordForWord()
    {
        Skip.IfNot(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "this CPU has no AVX-512, so the sampler never takes the 16-lane Philox path");

        for (ulong trial = 0; trial < 1000; trial++)
        {
            var seed = 0xD1B54A32D192ED03UL * (trial + 3);
            var c0 = new uint[16];
            var c1 = new uint[16];
            for (var lane = 0; lane < 16; lane++)
            {
                c0[lane] = (uint)(trial * 977 + (ulong)lane * 0x9E3779B9);
                c1[lane] = (uint)lane * 3;
            }

            var v0 = Vector512.Create<uint>(c0);
            var v1 = Vector512.Create<uint>(c1);
            var v2 = Vector512.Create((uint)trial);
            var v3 = Vector512.Create(7u);
            PhiloxLanes.Generate(ref v0, ref v1, ref v2, ref v3, (uint)seed, (uint)(seed >> 32));
            for (var lane = 0; lane < 16; lane++)
            {
                var expected = Philox4x32.Generate(new PhiloxBlock(c0[lane], c1[lane], (uint)trial, 7), (uint)seed, (uint)(seed >> 32));
                Assert.Equal(expected, new PhiloxBlock(v0.GetElement(lane), v1.GetElement(lane), v2.GetElement(lane), v3.GetElement(lane)));
            }
        }
    }

    [Fact]
    public void WideTransformsGiveTheScalarBits()
    {
        var words = EdgeWords.Concat(Words(100_000)).ToArray();
        for (var i = 0; i + 32 <= words.Length; i += 32)
        {
            var (z0, z1) = PortableBoxMuller.Transform(Vector512.Create<uint>(words.AsSpan(i, 16)), Vector512.Create<uint>(words.AsSpan(i + 16, 16)));
            for (var lane = 0; lane < 16; lane++)
            {
                var (a, b) = PortableBoxMuller.Transform(words[i + lane], words[i + 16 + lane]);
                Assert.Equal(BitConverter.SingleToInt32Bits(a), BitConverter.SingleToInt32Bits(z0.GetElement(lane)));
                Assert.Equal(BitConverter.SingleToInt32Bits(b), BitConverter.SingleToInt32Bits(z1.GetElement(lane)));
            }
        }
    }

    [Fact]
    public void UniformIsBitIdenticalToTheComputeTransform()
    {
        foreach (var word in EdgeWords.Concat(Words(100_000)))
        {
            Assert.Equal(NormalTransform.Uniform(word), PortableBoxMuller.Uniform(word));
        }
    }

    [Fact]
    public void VectorAndScalarTransformsGiveTheSameBits()
    {
        var words = EdgeWords.Concat(Words(200_000)).ToArray();
        for (var i = 0; i + 16 <= words.Length; i += 16)
        {
            var w0 = Vector256.Create<uint>(words.AsSpan(i, 8));
            var w1 = Vector256.Create<uint>(words.AsSpan(i + 8, 8));
            var uniforms = PortableBoxMuller.Uniform(w0);
            var logs = PortableBoxMuller.Log(uniforms);
            var (sin, cos) = PortableBoxMuller.SinCosTwoPi(PortableBoxMuller.Uniform(w1));
            var (z0, z1) = PortableBoxMuller.Transform(w0, w1);
            for (var lane = 0; lane < 8; lane++)
            {
                var u = PortableBoxMuller.Uniform(words[i + lane]);
                Assert.Equal(u, uniforms.GetElement(lane));
                Assert.Equal(BitConverter.SingleToInt32Bits(PortableBoxMuller.Log(u)), BitConverter.SingleToInt32Bits(logs.GetElement(lane)));
                var (s, c) = PortableBoxMuller.SinCosTwoPi(PortableBoxMuller.Uniform(words[i + 8 + lane]));
                Assert.Equal(BitConverter.SingleToInt32Bits(s), BitConverter.SingleToInt32Bits(sin.GetElement(lane)));
                Assert.Equal(BitConverter.SingleToInt32Bits(c), BitConverter.SingleToInt32Bits(cos.GetElement(lane)));
                var (a, b) = PortableBoxMuller.Transform(words[i + lane], words[i + 8 + lane]);
                Assert.Equal(BitConverter.SingleToInt32Bits(a), BitConverter.SingleToInt32Bits(z0.GetElement(lane)));
                Assert.Equal(BitConverter.SingleToInt32Bits(b), BitConverter.SingleToInt32Bits(z1.GetElement(lane)));
            }
        }
    }

    [Fact]
    public void LogAndSinCosAreWithinFourUlpOfTheCorrectlyRoundedValues()
    {
        // The reference is the double-precision libm result rounded to float (itself within 0.5 ulp + double error).
        var worstLog = 0.0;
        var worstTrig = 0.0;
        foreach (var word in EdgeWords.Concat(Words(300_000)))
        {
            var u = PortableBoxMuller.Uniform(word);
            worstLog = Math.Max(worstLog, Ulps(PortableBoxMuller.Log(u), Math.Log(u)));
            var (sin, cos) = PortableBoxMuller.SinCosTwoPi(u);
            // Near a zero of sin or cos the absolute error is what matters: compare in ulps of 1/2^... (absolute 2^-25).
            worstTrig = Math.Max(worstTrig, Math.Abs(sin - Math.Sin(2 * Math.PI * u)) / 2.9802322387695312e-8);
            worstTrig = Math.Max(worstTrig, Math.Abs(cos - Math.Cos(2 * Math.PI * u)) / 2.9802322387695312e-8);
        }

        Assert.True(worstLog <= 4, $"ln: worst error {worstLog:F2} ulp");
        Assert.True(worstTrig <= 4, $"sin/cos: worst absolute error {worstTrig:F2} x 2^-25");
    }

    [Fact]
    public void NormalsAgreeWithExactBoxMullerAndWithTheComputeTransform()
    {
        // Against Box-Muller in double on the same uniforms: relative 2e-7 of r (a few ulp; ln and sqrt
        // contribute about 1e-7, the exactly reduced sin/cos 2^-25 absolute). NormalTransform rounds the
        // angle 2 pi u to float first (up to 2^-22 absolute near 2 pi), so it may differ from ours by
        // about r x 2.4e-7 more: bound the difference by 7e-7 r.
        foreach (var (w0, w1) in Words(100_000).Zip(Words(100_000, 99)))
        {
            var (z0, z1) = PortableBoxMuller.Transform(w0, w1);
            double u1 = PortableBoxMuller.Uniform(w0), u2 = PortableBoxMuller.Uniform(w1);
            var r = Math.Sqrt(-2 * Math.Log(u1));
            Assert.True(Math.Abs(z0 - r * Math.Cos(2 * Math.PI * u2)) <= 2e-7 * Math.Max(r, 1), $"z0 {z0} vs {r * Math.Cos(2 * Math.PI * u2)}");
            Assert.True(Math.Abs(z1 - r * Math.Sin(2 * Math.PI * u2)) <= 2e-7 * Math.Max(r, 1), $"z1 {z1} vs {r * Math.Sin(2 * Math.PI * u2)}");
            var (expected0, expected1) = NormalTransform.BoxMuller(w0, w1);
            Assert.True(Math.Abs(z0 - expected0) <= 7e-7 * Math.Max(r, 1), $"z0 {z0} vs NormalTransform {expected0}");
            Assert.True(Math.Abs(z1 - expected1) <= 7e-7 * Math.Max(r, 1), $"z1 {z1} vs NormalTransform {expected1}");
        }
    }

    [Fact]
    public void StepBlocksFollowTheDocumentedCounterLayout()
    {
        const ulong seed = 0x0123456789ABCDEF;
        const long particle = 0x0000_0007_8000_0001;
        var block = ParticleRandom.StepBlock(seed, particle, step: 11, split: 3);
        var direct = Philox4x32.Generate(new PhiloxBlock(0x8000_0001, 7, 5, 3), 0x89ABCDEF, 0x01234567);
        Assert.Equal(direct, block);
        Assert.Equal(block, ParticleRandom.StepBlock(seed, particle, step: 10, split: 3)); // one block per step pair
        Assert.Equal(block.X2, ParticleRandom.EdgeChoiceWord(block, 10));
        Assert.Equal(block.X3, ParticleRandom.EdgeChoiceWord(block, 11));
        var (z0, z1) = PortableBoxMuller.Transform(block.X0, block.X1);
        Assert.Equal(z0, ParticleRandom.Normal(block, 10));
        Assert.Equal(z1, ParticleRandom.Normal(block, 11));
        Assert.Equal(Philox4x32.Generate(new PhiloxBlock(0x8000_0001, 7, uint.MaxValue, uint.MaxValue), 0x89ABCDEF, 0x01234567),
            ParticleRandom.InitialBlock(seed, particle));
    }

    private static double Ulps(float value, double exact)
    {
        var rounded = (float)exact;
        var ulp = Math.Abs(MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded));
        return Math.Abs(value - exact) / ulp;
    }

    private static IEnumerable<uint> Words(int count, ulong stream = 5)
    {
        for (var i = 0; i < count; i += 4)
        {
            var b = Philox4x32.Generate(2024, stream, (ulong)i);
            yield return b.X0;
            yield return b.X1;
            yield return b.X2;
            yield return b.X3;
        }
    }
}
