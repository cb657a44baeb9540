using Orrery.Compute.Random;
using Orrery.Gcn.Kernels;

namespace Orrery.Gcn.Tests;

/// <summary>
/// The dropout twin's shortcuts against the definitions they replace: Philox on eight counters in AVX2 lanes gives
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

    /// <summary>
    /// A row through <see cref="DropoutMasks.ApplyRow"/> (32 elements at a time in lanes, then word by word) gives the
    /// definition's bits: x · (word j % 4 of block firstDraw + j / 4 below the threshold ? 0 : keep), and those factors.
    /// Widths below, at and past one group of 32, with a partial last block; first draws whose eight low counter words
    /// wrap (the lanes must carry into the high word); thresholds that drop nothing, half, and everything (2^32).
    /// </summary>
    [Theory]
    [InlineData(31, 0UL, 0.5f)]
    [InlineData(32, 5UL, 0.5f)]
    [InlineData(33, 5UL, 0.25f)]
    [InlineData(101, 1_000UL, 0.5f)]
    [InlineData(784, 0x0000_0002_0000_0000UL, 0.2f)]
    [InlineData(96, 0xFFFF_FFF4UL, 0.5f)]
    [InlineData(64, 77UL, 0f)]
    [InlineData(64, 77UL, 1f)]
    public void ARowScaledInLanesGivesTheDefinitionsBits(int width, ulong firstDraw, float rate)
    {
        const ulong seed = 0x0123_4567_89AB_CDEFUL, stream = 0x64726F70_00000201UL;
        var threshold = DropoutMasks.DropThreshold(rate);
        var keep = rate < 1f ? 1f / (1f - rate) : 0f;
        var random = new Random(width);
        var x = Enumerable.Range(0, width).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var expectedFactors = new float[width];
        var expected = new float[width];
        for (var j = 0; j < width; j++)
        {
            var block = Philox4x32.Generate(seed, stream, firstDraw + (ulong)(j / 4));
            var word = (j % 4) switch { 0 => block.X0, 1 => block.X1, 2 => block.X2, _ => block.X3 };
            expectedFactors[j] = word < threshold ? 0f : keep;
            expected[j] = x[j] * expectedFactors[j];
        }

        var row = (float[])x.Clone();
        var factors = new float[width];
        DropoutMasks.ApplyRow(seed, stream, firstDraw, threshold, keep, row, factors);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), row.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedFactors.Select(BitConverter.SingleToInt32Bits), factors.Select(BitConverter.SingleToInt32Bits));

        var withoutFactors = (float[])x.Clone();
        DropoutMasks.ApplyRow(seed, stream, firstDraw, threshold, keep, withoutFactors, []);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), withoutFactors.Select(BitConverter.SingleToInt32Bits));
        if (rate is > 0f and < 1f && width >= 32)
        {
            Assert.Contains(0f, expectedFactors);
            Assert.Contains(keep, expectedFactors);
        }
    }
}
