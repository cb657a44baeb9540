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
