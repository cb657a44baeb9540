using Orrery.Compute.Random;
using Orrery.Gcn.Kernels;

namespace Orrery.Gcn.Tests;

/// <summary>
/// The dropout twin's shortcuts against the definitions they replace: Philox on four counters in AVX2 lanes gives
/// <see cref="Philox4x32.Generate(ulong, ulong, ulong)"/>'s words, and "word below the threshold" is
/// "<see cref="NormalTransform.Uniform"/>(word) &lt; rate".
/// </summary>
public sealed class DropoutMaskTests
{
    [Theory]
    [InlineData(1UL, 0UL, 0UL, 1)]
    [InlineData(7UL, 0x64726F70_00000102UL, 12_345UL, 4)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL, 0xFFFF_FFFF_0000_0001UL, 0xFFFF_FFFEUL, 9)]
    [InlineData(0x1234_5678_9ABC_DEF0UL, 0x61676772_00000300UL, 0x0000_0001_FFFF_FFFDUL, 33)]
    public void LanesGiveThePhiloxWords(ulong seed, ulong stream, ulong firstDraw, int blocks)
    {
        var words = new uint[blocks * 4];
        DropoutMasks.Generate(seed, stream, firstDraw, words);
        for (var b = 0; b < blocks; b++)
        {
            var block = Philox4x32.Generate(seed, stream, firstDraw + (ulong)b);
            Assert.Equal([block.X0, block.X1, block.X2, block.X3], words.AsSpan(b * 4, 4).ToArray());
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1e-9f)]
    [InlineData(0.1f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.95f)]
    [InlineData(0.99999994f)]
    public void TheThresholdSplitsTheWordsWhereUniformCrossesTheRate(float rate)
    {
        var threshold = DropoutMasks.DropThreshold(rate);
        if (threshold > 0)
        {
            Assert.True(NormalTransform.Uniform((uint)(threshold - 1)) < rate);
        }

        if (threshold <= uint.MaxValue)
        {
            Assert.True(NormalTransform.Uniform((uint)threshold) >= rate);
        }

        var random = new Random(3);
        for (var i = 0; i < 100_000; i++)
        {
            var word = (uint)random.NextInt64(0, 1L << 32);
            Assert.Equal(NormalTransform.Uniform(word) < rate, word < threshold);
        }
    }
}
