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
                GenerateEight(seed, stream, firstDraw + (ulong)b, words.Slice(b * 4, 32));
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
    /// factors into <paramref name="factors"/> unless it is empty. With AVX2, 32 elements at a time: eight blocks in lanes,
    /// the drop test in lanes, then a 4 x 8 transpose puts each factor on its element, and the multiply runs in lanes
    /// (one rounding, as the scalar loop's). The rest of the row goes through <paramref name="words"/> (at least
    /// ceil(row.Length / 4) · 4 long) one word per element.
    /// </summary>
    public static void ApplyRow(ulong seed, ulong stream, ulong firstDraw, ulong threshold, float keep, Span<float> row, Span<float> factors, Span<uint> words)
    {
        var width = row.Length;
        var writeFactors = !factors.IsEmpty;
        if (writeFactors && factors.Length < width)
        {
            throw new ArgumentException($"{factors.Length} factor slots for a row of {width}", nameof(factors));
        }

        var j = 0;
        if (Avx2.IsSupported && width >= 32)
        {
            var keepLanes = Vector256.Create(keep);
            var thresholdLanes = Vector256.Create((uint)Math.Min(threshold, uint.MaxValue));
            var dropAll = threshold > uint.MaxValue;
            var streamLow = Vector256.Create((uint)stream);
            var streamHigh = Vector256.Create((uint)(stream >> 32));
            var lanes = Vector256.Create(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u);
            for (; j + 32 <= width; j += 32)
            {
                var draw = firstDraw + (ulong)(j / 4);
                if ((uint)draw > uint.MaxValue - 7)
                {
                    break; // the eight counters' low words would wrap: the word loop below carries into the high word
                }

                var (c0, c1, c2, c3) = (streamLow, streamHigh, Vector256.Create((uint)draw) + lanes, Vector256.Create((uint)(draw >> 32)));
                PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));
                var f0 = Factors(c0, thresholdLanes, dropAll, keepLanes);
                var f1 = Factors(c1, thresholdLanes, dropAll, keepLanes);
                var f2 = Factors(c2, thresholdLanes, dropAll, keepLanes);
                var f3 = Factors(c3, thresholdLanes, dropAll, keepLanes);

                // Lane b of f_k is word k of block b; element 4b + k wants it. Blocks 0|4, 1|5, 2|6, 3|7 by halves, then joined.
                var low01 = Avx.UnpackLow(f0, f1).AsDouble();
                var low23 = Avx.UnpackLow(f2, f3).AsDouble();
                var high01 = Avx.UnpackHigh(f0, f1).AsDouble();
                var high23 = Avx.UnpackHigh(f2, f3).AsDouble();
                var blocks04 = Avx.UnpackLow(low01, low23).AsSingle();
                var blocks15 = Avx.UnpackHigh(low01, low23).AsSingle();
                var blocks26 = Avx.UnpackLow(high01, high23).AsSingle();
                var blocks37 = Avx.UnpackHigh(high01, high23).AsSingle();
                Scale(row, factors, writeFactors, j, Avx.Permute2x128(blocks04, blocks15, 0x20));
                Scale(row, factors, writeFactors, j + 8, Avx.Permute2x128(blocks26, blocks37, 0x20));
                Scale(row, factors, writeFactors, j + 16, Avx.Permute2x128(blocks04, blocks15, 0x31));
                Scale(row, factors, writeFactors, j + 24, Avx.Permute2x128(blocks26, blocks37, 0x31));
            }
        }

        if (j == width)
        {
            return;
        }

        // j is a multiple of 32, so the rest starts on a block boundary.
        var blocks = (width - j + 3) / 4;
        var rest = words[..(blocks * 4)];
        Generate(seed, stream, firstDraw + (ulong)(j / 4), rest);
        for (var k = 0; j < width; j++, k++)
        {
            var factor = rest[k] < threshold ? 0f : keep;
            if (writeFactors)
            {
                factors[j] = factor;
            }

            row[j] *= factor;
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

    /// <summary>Eight consecutive draws through the shared <see cref="PhiloxLanes"/>, one counter per 32-bit lane.</summary>
    private static void GenerateEight(ulong seed, ulong stream, ulong draw, Span<uint> words)
    {
        var c0 = Vector256.Create((uint)stream);
        var c1 = Vector256.Create((uint)(stream >> 32));
        Span<uint> low = stackalloc uint[8], high = stackalloc uint[8];
        for (var lane = 0; lane < 8; lane++)
        {
            var d = draw + (ulong)lane;
            (low[lane], high[lane]) = ((uint)d, (uint)(d >> 32));
        }

        var c2 = Vector256.Create<uint>(low);
        var c3 = Vector256.Create<uint>(high);
        PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));
        for (var lane = 0; lane < 8; lane++)
        {
            var at = lane * 4;
            (words[at], words[at + 1], words[at + 2], words[at + 3]) = (c0.GetElement(lane), c1.GetElement(lane), c2.GetElement(lane), c3.GetElement(lane));
        }
    }
}
