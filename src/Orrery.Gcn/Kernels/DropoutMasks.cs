using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Orrery.Compute.Random;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// The words behind <c>gcn_dropout</c>'s masks, for the CPU twin: Philox4x32-10 (<see cref="Philox4x32"/>) on four
/// counters at once in AVX2 lanes where the CPU has them, and the drop test as an integer comparison. Both give the
/// scalar path's results exactly: the lanes do the same 32 × 32 → 64-bit products and xors, and
/// <see cref="NormalTransform.Uniform"/> never decreases as its word grows, so <c>Uniform(word) &lt; rate</c> holds
/// exactly for the words below <see cref="DropThreshold"/>.
/// </summary>
internal static class DropoutMasks
{
    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint Weyl0 = 0x9E3779B9;
    private const uint Weyl1 = 0xBB67AE85;

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
            for (; b + 4 <= blocks; b += 4)
            {
                GenerateFour(seed, stream, firstDraw + (ulong)b, words.Slice(b * 4, 16));
            }
        }

        for (; b < blocks; b++)
        {
            var block = Philox4x32.Generate(seed, stream, firstDraw + (ulong)b);
            var at = b * 4;
            (words[at], words[at + 1], words[at + 2], words[at + 3]) = (block.X0, block.X1, block.X2, block.X3);
        }
    }

    /// <summary>Four consecutive draws, one per 64-bit lane holding a 32-bit word (the products need the lane's width).</summary>
    private static void GenerateFour(ulong seed, ulong stream, ulong draw, Span<uint> words)
    {
        var c0 = Vector256.Create((ulong)(uint)stream);
        var c1 = Vector256.Create(stream >> 32);
        var draws = Vector256.Create(draw, draw + 1, draw + 2, draw + 3);
        var c2 = draws & Vector256.Create(0xFFFFFFFFUL);
        var c3 = draws >>> 32;
        var low = Vector256.Create(0xFFFFFFFFUL);
        var m0 = Vector256.Create((ulong)Multiplier0).AsUInt32();
        var m1 = Vector256.Create((ulong)Multiplier1).AsUInt32();
        uint key0 = (uint)seed, key1 = (uint)(seed >> 32);
        for (var round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                key0 += Weyl0;
                key1 += Weyl1;
            }

            var product0 = Avx2.Multiply(c0.AsUInt32(), m0);
            var product1 = Avx2.Multiply(c2.AsUInt32(), m1);
            var next0 = (product1 >>> 32) ^ c1 ^ Vector256.Create((ulong)key0);
            var next2 = (product0 >>> 32) ^ c3 ^ Vector256.Create((ulong)key1);
            c1 = product1 & low;
            c3 = product0 & low;
            c0 = next0;
            c2 = next2;
        }

        for (var lane = 0; lane < 4; lane++)
        {
            var at = lane * 4;
            words[at] = (uint)c0.GetElement(lane);
            words[at + 1] = (uint)c1.GetElement(lane);
            words[at + 2] = (uint)c2.GetElement(lane);
            words[at + 3] = (uint)c3.GetElement(lane);
        }
    }
}
