using System.Runtime.CompilerServices;

namespace Orrery.Compute.Random;

/// <summary>
/// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
/// SC'11): a counter-based generator mapping a 128-bit counter and a 64-bit key to 128 random
/// bits with ten rounds of multiply-and-xor. No state is carried between calls, so the numbers a
/// particle draws depend only on (key, counter), never on which grain, silo or device draws
/// them. The CUDA kernels compute the same function (kernels/philox.cuh); the known-answer tests
/// check both against Random123's published vectors.
/// </summary>
public static class Philox4x32
{
    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint Weyl0 = 0x9E3779B9; // golden ratio
    private const uint Weyl1 = 0xBB67AE85; // sqrt(3) - 1

    /// <summary>Ten rounds over <paramref name="counter"/> with the key (<paramref name="key0"/>, <paramref name="key1"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock Generate(PhiloxBlock counter, uint key0, uint key1)
    {
        uint c0 = counter.X0, c1 = counter.X1, c2 = counter.X2, c3 = counter.X3;
        for (var round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                key0 += Weyl0;
                key1 += Weyl1;
            }

            var product0 = (ulong)Multiplier0 * c0;
            var product1 = (ulong)Multiplier1 * c2;
            var hi0 = (uint)(product0 >> 32);
            var lo0 = (uint)product0;
            var hi1 = (uint)(product1 >> 32);
            var lo1 = (uint)product1;
            c0 = hi1 ^ c1 ^ key0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ key1;
            c3 = lo0;
        }

        return new PhiloxBlock(c0, c1, c2, c3);
    }

    /// <summary>
    /// The project's stream layout: key = seed (64 bits); counter = (stream id low, stream id high,
    /// draw index low, draw index high). Each call gives four 32-bit numbers for draw <paramref name="draw"/>.
    /// </summary>
    public static PhiloxBlock Generate(ulong seed, ulong stream, ulong draw) =>
        Generate(new PhiloxBlock((uint)stream, (uint)(stream >> 32), (uint)draw, (uint)(draw >> 32)), (uint)seed, (uint)(seed >> 32));
}
