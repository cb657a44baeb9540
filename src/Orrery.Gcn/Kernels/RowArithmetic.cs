using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// Row loops of the CPU twins, in SIMD lanes. Each lane rounds exactly what the scalar loop (and the CUDA kernel's
/// <c>_rn</c> intrinsics) round, in the same order per element: the product, then the sum. .NET never fuses a vector
/// multiply and add into one rounding, so these give the scalar loop's bits (the twins' tests compare them with
/// the kernels compiled by g++ bit for bit).
/// </summary>
internal static class RowArithmetic
{
    /// <summary>target[j] += weight · source[j] for j below target's length (source at least as long).</summary>
    public static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float weight)
    {
        if (source.Length < target.Length)
        {
            throw new ArgumentException($"a source row of {source.Length} values for a target row of {target.Length}", nameof(source));
        }

        ref var t = ref MemoryMarshal.GetReference(target);
        ref var s = ref MemoryMarshal.GetReference(source);
        var length = target.Length;
        var j = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var w = new Vector<float>(weight);
            for (; j <= length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var sum = Vector.LoadUnsafe(ref t, (nuint)j) + (w * Vector.LoadUnsafe(ref s, (nuint)j));
                sum.StoreUnsafe(ref t, (nuint)j);
            }
        }

        for (; j < length; j++)
        {
            Unsafe.Add(ref t, j) += weight * Unsafe.Add(ref s, j);
        }
    }

    /// <summary>target[j] += source[j] for j below target's length (source at least as long).</summary>
    public static void Add(Span<float> target, ReadOnlySpan<float> source)
    {
        if (source.Length < target.Length)
        {
            throw new ArgumentException($"a source row of {source.Length} values for a target row of {target.Length}", nameof(source));
        }

        ref var t = ref MemoryMarshal.GetReference(target);
        ref var s = ref MemoryMarshal.GetReference(source);
        var length = target.Length;
        var j = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            for (; j <= length - Vector<float>.Count; j += Vector<float>.Count)
            {
                (Vector.LoadUnsafe(ref t, (nuint)j) + Vector.LoadUnsafe(ref s, (nuint)j)).StoreUnsafe(ref t, (nuint)j);
            }
        }

        for (; j < length; j++)
        {
            Unsafe.Add(ref t, j) += Unsafe.Add(ref s, j);
        }
    }

    /// <summary>
    /// LayerNorm's affine gradients from one row: with d[j] = dy[j] where y[j] &gt; 0 (ReLU passed it) and 0 elsewhere,
    /// dgamma[j] += d[j] · xhat[j] and dbeta[j] += d[j], for j below dgamma's length (the other rows as long).
    /// </summary>
    public static void AddNormGradients(Span<float> dgamma, Span<float> dbeta, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> xhat)
    {
        var length = dgamma.Length;
        if (dbeta.Length < length || dy.Length < length || y.Length < length || xhat.Length < length)
        {
            throw new ArgumentException($"rows of {dbeta.Length}, {dy.Length}, {y.Length} and {xhat.Length} values for {length} columns");
        }

        ref var g = ref MemoryMarshal.GetReference(dgamma);
        ref var b = ref MemoryMarshal.GetReference(dbeta);
        ref var gradient = ref MemoryMarshal.GetReference(dy);
        ref var activated = ref MemoryMarshal.GetReference(y);
        ref var normalised = ref MemoryMarshal.GetReference(xhat);
        var j = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            for (; j <= length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var at = (nuint)j;
                var d = Vector.ConditionalSelect(
                    Vector.GreaterThan(Vector.LoadUnsafe(ref activated, at), Vector<float>.Zero), Vector.LoadUnsafe(ref gradient, at), Vector<float>.Zero);
                (Vector.LoadUnsafe(ref g, at) + (d * Vector.LoadUnsafe(ref normalised, at))).StoreUnsafe(ref g, at);
                (Vector.LoadUnsafe(ref b, at) + d).StoreUnsafe(ref b, at);
            }
        }

        for (; j < length; j++)
        {
            var d = Unsafe.Add(ref activated, j) > 0f ? Unsafe.Add(ref gradient, j) : 0f;
            Unsafe.Add(ref g, j) += d * Unsafe.Add(ref normalised, j);
            Unsafe.Add(ref b, j) += d;
        }
    }
}
