using System.Runtime.CompilerServices;

namespace Orrery.Compute.Random;

/// <summary>
/// The fixed transform from Philox words to variates, the same on CPU and GPU:
/// <list type="bullet">
/// <item>uniform: u = (x + 0.5) * 2^-32, in (0, 1) exactly, never 0 or 1 (so log(u) is finite);</item>
/// <item>normal: Box–Muller on two uniforms, z0 = r cos(2πu2), z1 = r sin(2πu2), r = sqrt(-2 ln u1),
/// computed in single precision, so one Philox block gives two normals.</item>
/// </list>
/// The 32-bit words are identical on every device; the float normals can differ in the last
/// unit of the last place between CPU and GPU math libraries (logf, sincospif), which parity checks allow.
/// </summary>
public static class NormalTransform
{
    private const float TwoToMinus32 = 2.3283064365386963e-10f;

    private const float LargestBelowOne = 0.99999994f;

    /// <summary>A uniform in (0, 1). Words within 2^7 of 2^32 round to 1 in float and are held just below it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(uint word)
    {
        var u = ((float)word + 0.5f) * TwoToMinus32;
        return u < 1f ? u : LargestBelowOne;
    }

    /// <summary>Two standard normal variates from two 32-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float Z0, float Z1) BoxMuller(uint word0, uint word1)
    {
        var u1 = Uniform(word0);
        var u2 = Uniform(word1);
        var r = MathF.Sqrt(-2f * MathF.Log(u1));
        var (sin, cos) = MathF.SinCos(2f * MathF.PI * u2);
        return (r * cos, r * sin);
    }
}
