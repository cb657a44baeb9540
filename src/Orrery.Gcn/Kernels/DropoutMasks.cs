using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Orrery.Compute.Random;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// The words behind <c>gcn_dropout</c>'s masks, for the CPU twin: Philox4x32-10 on eight counters at once in AVX2
/// lanes where the CPU has them (<see cref="PhiloxLanes"/>, shared with the sampler), and the drop test as an integer
/// comparison. Both give the scalar path's results exactly: the lanes compute Philox word for word, and
/// <see cref="NormalTransform.Uniform"/> never decreases as its word grows, so <c>Uniform(word) &lt; rate</c> holds
/// exactly for the words below <see cref="DropThreshold"/>.
/// </summary>
internal static class DropoutMasks
{
    /// <summary>
    /// The smallest word whose <see cref="NormalTransform.Uniform"/> is at least <paramref name="rate"/> (2^32 when there
    /// is none): an element is dropped exactly when its word is below it.
    /// </summary>
    public static ulong DropThreshold(float rate)
    {
        ulong low = 0, high = 1UL << 32;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (NormalTransform.Uniform((uint)middle) >= rate)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    /// <summary>
    /// The four words of each Philox block (seed, stream, draw) for draws <paramref name="firstDraw"/> ..
    /// + words.Length / 4 − 1, block after block into <paramref name="words"/> (its length a multiple of 4).
    /// </summary>
    public static void Generate(ulong seed, ulong stream, ulong firstDraw, Span<uint> words)
    {
        var blocks = words.Length / 4;
        var b = 0;
        if (Avx2.IsSupported)
        {
            for (; b + 8 <= blocks; b += 8)
            {
                var (w0, w1, w2, w3) = ElementOrderWords(seed, stream, firstDraw + (ulong)b);
                var at = b * 4;
                w0.CopyTo(words.Slice(at, 8));
                w1.CopyTo(words.Slice(at + 8, 8));
                w2.CopyTo(words.Slice(at + 16, 8));
                w3.CopyTo(words.Slice(at + 24, 8));
            }
        }

        for (; b < blocks; b++)
        {
            var block = Philox4x32.Generate(seed, stream, firstDraw + (ulong)b);
            var at = b * 4;
            (words[at], words[at + 1], words[at + 2], words[at + 3]) = (block.X0, block.X1, block.X2, block.X3);
        }
    }

    /// <summary>
    /// One row of <c>gcn_dropout</c>: row[j] *= 0 or <paramref name="keep"/>, element j dropped when word j % 4 of Philox
    /// block (seed, stream, firstDraw + j / 4) is below <paramref name="threshold"/> (<see cref="DropThreshold"/>); the
    /// factors into <paramref name="factors"/> unless it is empty. With AVX2, 32 elements (eight blocks) at a time in
    /// lanes, the multiply in lanes too (one rounding, as the scalar loop's); the rest of the row word by word.
    /// </summary>
    public static void ApplyRow(ulong seed, ulong stream, ulong firstDraw, ulong threshold, float keep, Span<float> row, Span<float> factors)
    {
        var width = row.Length;
        var writeFactors = !factors.IsEmpty;
        if (writeFactors && factors.Length < width)
        {
            throw new ArgumentException($"{factors.Length} factor slots for a row of {width}", nameof(factors));
        }

        var j = 0;
        if (Avx2.IsSupported)
        {
            var keepLanes = Vector256.Create(keep);
            var thresholdLanes = Vector256.Create((uint)Math.Min(threshold, uint.MaxValue));
            var dropAll = threshold > uint.MaxValue;
            for (; j + 32 <= width; j += 32)
            {
                var (w0, w1, w2, w3) = ElementOrderWords(seed, stream, firstDraw + (ulong)(j / 4));
                Scale(row, factors, writeFactors, j, Factors(w0, thresholdLanes, dropAll, keepLanes));
                Scale(row, factors, writeFactors, j + 8, Factors(w1, thresholdLanes, dropAll, keepLanes));
                Scale(row, factors, writeFactors, j + 16, Factors(w2, thresholdLanes, dropAll, keepLanes));
                Scale(row, factors, writeFactors, j + 24, Factors(w3, thresholdLanes, dropAll, keepLanes));
            }
        }

        // The rest (all of the row without AVX2) eight blocks at a time; j is a multiple of 32, so it starts on a block.
        Span<uint> words = stackalloc uint[32];
        while (j < width)
        {
            var count = Math.Min(32, width - j);
            var chunk = words[..(((count + 3) / 4) * 4)];
            Generate(seed, stream, firstDraw + (ulong)(j / 4), chunk);
            for (var k = 0; k < count; k++, j++)
            {
                var factor = chunk[k] < threshold ? 0f : keep;
                if (writeFactors)
                {
                    factors[j] = factor;
                }

                row[j] *= factor;
            }
        }
    }

    /// <summary>0 where the word is below the threshold (every lane when <paramref name="dropAll"/>), keep elsewhere.</summary>
    private static Vector256<float> Factors(Vector256<uint> words, Vector256<uint> threshold, bool dropAll, Vector256<float> keep)
    {
        var dropped = dropAll ? Vector256<uint>.AllBitsSet : Vector256.LessThan(words, threshold);
        return Vector256.ConditionalSelect(dropped.AsSingle(), Vector256<float>.Zero, keep);
    }

    /// <summary>row[at .. at + 8] *= the lanes, and the lanes into factors when written.</summary>
    private static void Scale(Span<float> row, Span<float> factors, bool writeFactors, int at, Vector256<float> lanes)
    {
        var target = row.Slice(at, 8);
        (Vector256.Create<float>(target) * lanes).CopyTo(target);
        if (writeFactors)
        {
            lanes.CopyTo(factors.Slice(at, 8));
        }
    }

    /// <summary>
    /// The 32 words of the eight Philox blocks draw .. draw + 7 through the shared <see cref="PhiloxLanes"/> (one counter
    /// per 32-bit lane, the draw's high word carried per lane), in element order: word k of block b at 4b + k, that is
    /// blocks 0-1 in the first vector, 2-3 in the second, 4-5 and 6-7 in the others.
    /// </summary>
    private static (Vector256<uint>, Vector256<uint>, Vector256<uint>, Vector256<uint>) ElementOrderWords(ulong seed, ulong stream, ulong draw)
    {
        var first = Vector256.Create((uint)draw);
        var low = first + Vector256.Create(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u);
        // A lane whose low word wrapped is below the first one; its all-ones mask is -1, so subtracting it carries.
        var high = Vector256.Create((uint)(draw >> 32)) - Vector256.LessThan(low, first);
        var (c0, c1, c2, c3) = (Vector256.Create((uint)stream), Vector256.Create((uint)(stream >> 32)), low, high);
        PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));

        // Lane b of c_k is word k of block b. Blocks 0|4, 1|5, 2|6, 3|7 by 128-bit halves, then the halves joined.
        var low01 = Avx2.UnpackLow(c0, c1).AsUInt64();
        var low23 = Avx2.UnpackLow(c2, c3).AsUInt64();
        var high01 = Avx2.UnpackHigh(c0, c1).AsUInt64();
        var high23 = Avx2.UnpackHigh(c2, c3).AsUInt64();
        var blocks04 = Avx2.UnpackLow(low01, low23).AsUInt32();
        var blocks15 = Avx2.UnpackHigh(low01, low23).AsUInt32();
        var blocks26 = Avx2.UnpackLow(high01, high23).AsUInt32();
        var blocks37 = Avx2.UnpackHigh(high01, high23).AsUInt32();
        return (
            Avx2.Permute2x128(blocks04, blocks15, 0x20), Avx2.Permute2x128(blocks26, blocks37, 0x20),
            Avx2.Permute2x128(blocks04, blocks15, 0x31), Avx2.Permute2x128(blocks26, blocks37, 0x31));
    }
}
