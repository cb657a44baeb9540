namespace Orrery.Pca.Data;

/// <summary>
/// Counter-based random numbers (SplitMix64 finaliser over seed and index) with a portable
/// Box-Muller: the same seed gives the same values on every machine and for every split of the work.
/// </summary>
internal static class SplitMix
{
    public static ulong Hash(ulong seed, ulong index)
    {
        var z = seed + (index + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in (0, 1), 53 bits.</summary>
    public static double Uniform(ulong seed, ulong index) => ((Hash(seed, index) >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>Standard normal number <paramref name="index"/> of the stream <paramref name="seed"/>.</summary>
    public static double Normal(ulong seed, ulong index)
    {
        var u1 = Uniform(seed, 2 * index);
        var u2 = Uniform(seed, 2 * index + 1);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A unit vector of <paramref name="length"/> normal entries.</summary>
    public static float[] UnitVector(ulong seed, int length)
    {
        var values = new double[length];
        var norm = 0.0;
        for (var i = 0; i < length; i++)
        {
            values[i] = Normal(seed, (ulong)i);
            norm += values[i] * values[i];
        }

        norm = Math.Sqrt(norm);
        return values.Select(v => (float)(v / norm)).ToArray();
    }
}
