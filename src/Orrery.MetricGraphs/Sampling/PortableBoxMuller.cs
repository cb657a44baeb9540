using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// The Box–Muller transform of <see cref="Orrery.Compute.Random.NormalTransform"/> (same words, same
/// uniform u = ((float)word + 0.5) 2^-32 held below 1, same z0 = r cos(2 pi u2), z1 = r sin(2 pi u2),
/// r = sqrt(-2 ln u1), all in single precision) computed with our own logarithm and sine/cosine instead
/// of the platform's libm. Every step is an IEEE-754 operation that rounds exactly (add, multiply,
/// divide, sqrt, fused multiply-add, conversions of integers below 2^24), so the scalar and the
/// <see cref="Vector256{T}"/> and <see cref="Vector512{T}"/> versions give the same bits, on every x64 or Arm CPU, whatever the lane
/// a particle falls in. That is what makes a sampling run bitwise independent of block size, thread
/// count and SIMD width. A CUDA kernel that writes the same operations with explicit fmaf (and no
/// contraction of the other products) gives the same bits too.
/// <para>
/// ln u: u = 2^e m with m in [sqrt(1/2), sqrt(2)); s = (m - 1) / (m + 1); ln m = 2 atanh s =
/// 2 s (1 + s^2/3 + s^4/5 + s^6/7 + s^8/9) (truncation below 8e-10 for |s| &lt;= 0.172);
/// ln u = e ln2_hi + (e ln2_lo + ln m). sin/cos(2 pi u): t = 4u, q = floor(t + 1/2), r = t - q in
/// [-1/2, 1/2] (both exact), then the Taylor polynomials of sin(pi r/2) to r^9 and cos(pi r/2) to r^10
/// (truncation below 2e-9), rotated by the quadrant q. Accuracy: within 4 ulp of the correctly rounded
/// values, checked in the tests.
/// </para>
/// </summary>
public static class PortableBoxMuller
{
    private const float TwoToMinus32 = 2.3283064365386963e-10f;
    private const float LargestBelowOne = 0.99999994f;
    private const float Sqrt2 = 1.41421356f;
    private const float Ln2Hi = 0.693145751953125f; // 0x3F317200: e * Ln2Hi is exact for |e| < 2^8
    private const float Ln2Lo = 1.4286068202862268e-06f; // ln 2 - Ln2Hi
    private const float Third = 1f / 3f;
    private const float Fifth = 1f / 5f;
    private const float Seventh = 1f / 7f;
    private const float Ninth = 1f / 9f;

    // sin(pi r / 2) = r (S1 + r^2 (S3 + r^2 (S5 + r^2 (S7 + r^2 S9)))), S_k = (-1)^((k-1)/2) (pi/2)^k / k!
    private const float S1 = 1.5707963267948966f;
    private const float S3 = -0.6459640975062462f;
    private const float S5 = 0.07969262624616704f;
    private const float S7 = -0.004681754135318687f;
    private const float S9 = 0.00016044118478735982f;

    // cos(pi r / 2) = 1 + r^2 (C2 + r^2 (C4 + r^2 (C6 + r^2 (C8 + r^2 C10)))), C_k = (-1)^(k/2) (pi/2)^k / k!
    private const float C2 = -1.2337005501361697f;
    private const float C4 = 0.25366950790104797f;
    private const float C6 = -0.020863480763352958f;
    private const float C8 = 0.0009192602748394263f;
    private const float C10 = -2.5202042373060603e-05f;

    /// <summary>The uniform of a word, bit-identical to <see cref="Orrery.Compute.Random.NormalTransform.Uniform"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(uint word)
    {
        // (float)word rounded once: both halves are exact in float, the sum rounds to nearest even.
        var asFloat = (float)(int)(word >> 16) * 65536f + (float)(int)(word & 0xFFFF);
        var u = (asFloat + 0.5f) * TwoToMinus32;
        return MathF.Min(u, LargestBelowOne);
    }

    /// <summary>ln x for a positive normal float x (the sampler passes uniforms in (0, 1)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x)
    {
        var bits = BitConverter.SingleToInt32Bits(x);
        var exponent = (bits >> 23) - 127;
        var m = BitConverter.Int32BitsToSingle((bits & 0x007FFFFF) | 0x3F800000);
        if (m > Sqrt2)
        {
            m *= 0.5f;
            exponent += 1;
        }

        var s = (m - 1f) / (m + 1f);
        var s2 = s * s;
        var p = MathF.FusedMultiplyAdd(s2, Ninth, Seventh);
        p = MathF.FusedMultiplyAdd(s2, p, Fifth);
        p = MathF.FusedMultiplyAdd(s2, p, Third);
        p = MathF.FusedMultiplyAdd(s2, p, 1f);
        var lnM = (s + s) * p;
        var e = (float)exponent;
        return MathF.FusedMultiplyAdd(e, Ln2Hi, MathF.FusedMultiplyAdd(e, Ln2Lo, lnM));
    }

    /// <summary>(sin 2 pi u, cos 2 pi u) for u in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float Sin, float Cos) SinCosTwoPi(float u)
    {
        var t = 4f * u;
        var q = MathF.Floor(t + 0.5f);
        var r = t - q;
        var r2 = r * r;
        var sp = MathF.FusedMultiplyAdd(r2, S9, S7);
        sp = MathF.FusedMultiplyAdd(r2, sp, S5);
        sp = MathF.FusedMultiplyAdd(r2, sp, S3);
        sp = MathF.FusedMultiplyAdd(r2, sp, S1);
        var sin = r * sp;
        var cp = MathF.FusedMultiplyAdd(r2, C10, C8);
        cp = MathF.FusedMultiplyAdd(r2, cp, C6);
        cp = MathF.FusedMultiplyAdd(r2, cp, C4);
        cp = MathF.FusedMultiplyAdd(r2, cp, C2);
        var cos = MathF.FusedMultiplyAdd(r2, cp, 1f);

        // Angle (pi/2)(q + r): quadrant 0 (s, c), 1 (c, -s), 2 (-s, -c), 3 (-c, s).
        var quadrant = (int)q;
        var swap = (quadrant & 1) != 0;
        var sinOut = swap ? cos : sin;
        var cosOut = swap ? sin : cos;
        var sinSign = (uint)(quadrant & 2) << 30;
        var cosSign = (uint)((quadrant + 1) & 2) << 30;
        return (BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(sinOut) ^ sinSign),
            BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(cosOut) ^ cosSign));
    }

    /// <summary>Two standard normals (z0 = r cos, z1 = r sin) from two Philox words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float Z0, float Z1) Transform(uint word0, uint word1)
    {
        var r = MathF.Sqrt(-2f * Log(Uniform(word0)));
        var (sin, cos) = SinCosTwoPi(Uniform(word1));
        return (r * cos, r * sin);
    }

    /// <summary><see cref="Uniform(uint)"/> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Uniform(Vector256<uint> word)
    {
        var high = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(word, 16).AsInt32());
        var low = Vector256.ConvertToSingle((word & Vector256.Create(0xFFFFu)).AsInt32());
        var asFloat = high * Vector256.Create(65536f) + low;
        var u = (asFloat + Vector256.Create(0.5f)) * Vector256.Create(TwoToMinus32);
        return Vector256.Min(u, Vector256.Create(LargestBelowOne));
    }

    /// <summary><see cref="Log(float)"/> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x)
    {
        var bits = x.AsInt32();
        var exponent = Vector256.ShiftRightArithmetic(bits, 23) - Vector256.Create(127);
        var m = ((bits & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F800000)).AsSingle();
        var big = Vector256.GreaterThan(m, Vector256.Create(Sqrt2));
        m = Vector256.ConditionalSelect(big, m * Vector256.Create(0.5f), m);
        exponent -= big.AsInt32(); // true lanes are -1
        var one = Vector256.Create(1f);
        var s = (m - one) / (m + one);
        var s2 = s * s;
        var p = Vector256.FusedMultiplyAdd(s2, Vector256.Create(Ninth), Vector256.Create(Seventh));
        p = Vector256.FusedMultiplyAdd(s2, p, Vector256.Create(Fifth));
        p = Vector256.FusedMultiplyAdd(s2, p, Vector256.Create(Third));
        p = Vector256.FusedMultiplyAdd(s2, p, one);
        var lnM = (s + s) * p;
        var e = Vector256.ConvertToSingle(exponent);
        return Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Hi), Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Lo), lnM));
    }

    /// <summary><see cref="SinCosTwoPi(float)"/> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Sin, Vector256<float> Cos) SinCosTwoPi(Vector256<float> u)
    {
        var t = Vector256.Create(4f) * u;
        var q = Vector256.Floor(t + Vector256.Create(0.5f));
        var r = t - q;
        var r2 = r * r;
        var sp = Vector256.FusedMultiplyAdd(r2, Vector256.Create(S9), Vector256.Create(S7));
        sp = Vector256.FusedMultiplyAdd(r2, sp, Vector256.Create(S5));
        sp = Vector256.FusedMultiplyAdd(r2, sp, Vector256.Create(S3));
        sp = Vector256.FusedMultiplyAdd(r2, sp, Vector256.Create(S1));
        var sin = r * sp;
        var cp = Vector256.FusedMultiplyAdd(r2, Vector256.Create(C10), Vector256.Create(C8));
        cp = Vector256.FusedMultiplyAdd(r2, cp, Vector256.Create(C6));
        cp = Vector256.FusedMultiplyAdd(r2, cp, Vector256.Create(C4));
        cp = Vector256.FusedMultiplyAdd(r2, cp, Vector256.Create(C2));
        var cos = Vector256.FusedMultiplyAdd(r2, cp, Vector256.Create(1f));

        var quadrant = Vector256.ConvertToInt32(q);
        var swap = Vector256.Equals(quadrant & Vector256.Create(1), Vector256.Create(1)).AsSingle();
        var sinOut = Vector256.ConditionalSelect(swap, cos, sin);
        var cosOut = Vector256.ConditionalSelect(swap, sin, cos);
        var sinSign = Vector256.ShiftLeft(quadrant & Vector256.Create(2), 30).AsSingle();
        var cosSign = Vector256.ShiftLeft((quadrant + Vector256.Create(1)) & Vector256.Create(2), 30).AsSingle();
        return (sinOut ^ sinSign, cosOut ^ cosSign);
    }

    /// <summary><see cref="Transform(uint, uint)"/> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Z0, Vector256<float> Z1) Transform(Vector256<uint> word0, Vector256<uint> word1)
    {
        var r = Vector256.Sqrt(Vector256.Create(-2f) * Log(Uniform(word0)));
        var (sin, cos) = SinCosTwoPi(Uniform(word1));
        return (r * cos, r * sin);
    }

    /// <summary><see cref="Uniform(uint)"/> lane by lane, sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Uniform(Vector512<uint> word)
    {
        var high = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(word, 16).AsInt32());
        var low = Vector512.ConvertToSingle((word & Vector512.Create(0xFFFFu)).AsInt32());
        var asFloat = high * Vector512.Create(65536f) + low;
        var u = (asFloat + Vector512.Create(0.5f)) * Vector512.Create(TwoToMinus32);
        return Vector512.Min(u, Vector512.Create(LargestBelowOne));
    }

    /// <summary><see cref="Log(float)"/> lane by lane, sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        var bits = x.AsInt32();
        var exponent = Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(127);
        var m = ((bits & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F800000)).AsSingle();
        var big = Vector512.GreaterThan(m, Vector512.Create(Sqrt2));
        m = Vector512.ConditionalSelect(big, m * Vector512.Create(0.5f), m);
        exponent -= big.AsInt32();
        var one = Vector512.Create(1f);
        var s = (m - one) / (m + one);
        var s2 = s * s;
        var p = Vector512.FusedMultiplyAdd(s2, Vector512.Create(Ninth), Vector512.Create(Seventh));
        p = Vector512.FusedMultiplyAdd(s2, p, Vector512.Create(Fifth));
        p = Vector512.FusedMultiplyAdd(s2, p, Vector512.Create(Third));
        p = Vector512.FusedMultiplyAdd(s2, p, one);
        var lnM = (s + s) * p;
        var e = Vector512.ConvertToSingle(exponent);
        return Vector512.FusedMultiplyAdd(e, Vector512.Create(Ln2Hi), Vector512.FusedMultiplyAdd(e, Vector512.Create(Ln2Lo), lnM));
    }

    /// <summary><see cref="SinCosTwoPi(float)"/> lane by lane, sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<float> Sin, Vector512<float> Cos) SinCosTwoPi(Vector512<float> u)
    {
        var t = Vector512.Create(4f) * u;
        var q = Vector512.Floor(t + Vector512.Create(0.5f));
        var r = t - q;
        var r2 = r * r;
        var sp = Vector512.FusedMultiplyAdd(r2, Vector512.Create(S9), Vector512.Create(S7));
        sp = Vector512.FusedMultiplyAdd(r2, sp, Vector512.Create(S5));
        sp = Vector512.FusedMultiplyAdd(r2, sp, Vector512.Create(S3));
        sp = Vector512.FusedMultiplyAdd(r2, sp, Vector512.Create(S1));
        var sin = r * sp;
        var cp = Vector512.FusedMultiplyAdd(r2, Vector512.Create(C10), Vector512.Create(C8));
        cp = Vector512.FusedMultiplyAdd(r2, cp, Vector512.Create(C6));
        cp = Vector512.FusedMultiplyAdd(r2, cp, Vector512.Create(C4));
        cp = Vector512.FusedMultiplyAdd(r2, cp, Vector512.Create(C2));
        var cos = Vector512.FusedMultiplyAdd(r2, cp, Vector512.Create(1f));

        var quadrant = Vector512.ConvertToInt32(q);
        var swap = Vector512.Equals(quadrant & Vector512.Create(1), Vector512.Create(1)).AsSingle();
        var sinOut = Vector512.ConditionalSelect(swap, cos, sin);
        var cosOut = Vector512.ConditionalSelect(swap, sin, cos);
        var sinSign = Vector512.ShiftLeft(quadrant & Vector512.Create(2), 30).AsSingle();
        var cosSign = Vector512.ShiftLeft((quadrant + Vector512.Create(1)) & Vector512.Create(2), 30).AsSingle();
        return (sinOut ^ sinSign, cosOut ^ cosSign);
    }

    /// <summary><see cref="Transform(uint, uint)"/> lane by lane, sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<float> Z0, Vector512<float> Z1) Transform(Vector512<uint> word0, Vector512<uint> word1)
    {
        var r = Vector512.Sqrt(Vector512.Create(-2f) * Log(Uniform(word0)));
        var (sin, cos) = SinCosTwoPi(Uniform(word1));
        return (r * cos, r * sin);
    }
}
