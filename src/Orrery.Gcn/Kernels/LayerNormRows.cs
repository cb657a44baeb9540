using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// The row loops of the LayerNorm + ReLU twins. A row's sums are double chains that must keep the kernel's order
/// (j = 0, 1, ...), so one row cannot be split across SIMD lanes; instead four rows are summed side by side, each in its
/// own chain, which lets the processor overlap four chains' additions instead of waiting on one. The element-wise
/// parts (xhat, y, dz) run in <see cref="Vector{T}"/> lanes, rounding the product and the sum separately as the
/// scalar loop does. Every value keeps the scalar loop's bits.
/// </summary>
internal static class LayerNormRows
{
    /// <summary>Rows summed side by side.</summary>
    public const int Group = 4;

    /// <summary>
    /// LayerNorm + ReLU forward of rows [first, first + count) of z (width values each), count 1 .. <see cref="Group"/>:
    /// writes their xhat, y and inverse standard deviation.
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> z, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> xhat, Span<float> y, Span<float> inverseStd,
        int first, int count, int width, float epsilon)
    {
        Span<float> means = stackalloc float[Group];
        Span<float> rstds = stackalloc float[Group];
        var rows = z.Slice(first * width, count * width);
        if (count == Group)
        {
            Moments4(rows, width, epsilon, means, rstds);
        }
        else
        {
            for (var k = 0; k < count; k++)
            {
                (means[k], rstds[k]) = Moments(rows.Slice(k * width, width), epsilon);
            }
        }

        for (var k = 0; k < count; k++)
        {
            var at = (first + k) * width;
            inverseStd[first + k] = rstds[k];
            NormaliseRow(z.Slice(at, width), means[k], rstds[k], gamma, beta, xhat.Slice(at, width), y.Slice(at, width));
        }
    }

    /// <summary>
    /// LayerNorm + ReLU backward of rows [first, first + count), count 1 .. <see cref="Group"/>: dz from dy, y, xhat, γ and
    /// the inverse standard deviations.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> xhat, ReadOnlySpan<float> gamma, ReadOnlySpan<float> inverseStd, Span<float> dz,
        int first, int count, int width)
    {
        Span<float> m1 = stackalloc float[Group];
        Span<float> m2 = stackalloc float[Group];
        var at = first * width;
        if (count == Group)
        {
            GradientMeans4(dy.Slice(at, count * width), y.Slice(at, count * width), xhat.Slice(at, count * width), gamma, width, m1, m2);
        }
        else
        {
            for (var k = 0; k < count; k++)
            {
                var row = at + (k * width);
                (m1[k], m2[k]) = GradientMeans(dy.Slice(row, width), y.Slice(row, width), xhat.Slice(row, width), gamma);
            }
        }

        for (var k = 0; k < count; k++)
        {
            var row = at + (k * width);
            GradientRow(dy.Slice(row, width), y.Slice(row, width), xhat.Slice(row, width), gamma, inverseStd[first + k], m1[k], m2[k], dz.Slice(row, width));
        }
    }

    /// <summary>One row's mean and 1 / sqrt(variance + ε): double sums in order, the deviations and their squares in float.</summary>
    private static (float Mean, float Rstd) Moments(ReadOnlySpan<float> row, float epsilon)
    {
        var width = row.Length;
        double sum = 0;
        for (var j = 0; j < width; j++)
        {
            sum += row[j];
        }

        var mean = (float)(sum / width);
        double squares = 0;
        for (var j = 0; j < width; j++)
        {
            var d = row[j] - mean;
            squares += d * d;
        }

        return (mean, (float)(1.0 / Math.Sqrt(squares / width + epsilon)));
    }

    /// <summary><see cref="Moments"/> of four consecutive rows, their chains interleaved.</summary>
    private static void Moments4(ReadOnlySpan<float> rows, int width, float epsilon, Span<float> means, Span<float> rstds)
    {
        if (rows.Length < Group * width || means.Length < Group || rstds.Length < Group)
        {
            throw new ArgumentException($"four rows of {width} need {Group * width} values; {rows.Length} given");
        }

        ref var r0 = ref MemoryMarshal.GetReference(rows);
        ref var r1 = ref Unsafe.Add(ref r0, width);
        ref var r2 = ref Unsafe.Add(ref r1, width);
        ref var r3 = ref Unsafe.Add(ref r2, width);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (var j = 0; j < width; j++)
        {
            s0 += Unsafe.Add(ref r0, j);
            s1 += Unsafe.Add(ref r1, j);
            s2 += Unsafe.Add(ref r2, j);
            s3 += Unsafe.Add(ref r3, j);
        }

        float m0 = (float)(s0 / width), m1 = (float)(s1 / width), m2 = (float)(s2 / width), m3 = (float)(s3 / width);
        double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        for (var j = 0; j < width; j++)
        {
            float d0 = Unsafe.Add(ref r0, j) - m0, d1 = Unsafe.Add(ref r1, j) - m1, d2 = Unsafe.Add(ref r2, j) - m2, d3 = Unsafe.Add(ref r3, j) - m3;
            q0 += d0 * d0;
            q1 += d1 * d1;
            q2 += d2 * d2;
            q3 += d3 * d3;
        }

        (means[0], means[1], means[2], means[3]) = (m0, m1, m2, m3);
        rstds[0] = (float)(1.0 / Math.Sqrt(q0 / width + epsilon));
        rstds[1] = (float)(1.0 / Math.Sqrt(q1 / width + epsilon));
        rstds[2] = (float)(1.0 / Math.Sqrt(q2 / width + epsilon));
        rstds[3] = (float)(1.0 / Math.Sqrt(q3 / width + epsilon));
    }

    /// <summary>xhat = (z − mean) · rstd and y = relu(γ xhat + β) for one row, relu as MathF.Max(0f, a): a when a &gt; 0 or NaN, +0 otherwise.</summary>
    private static void NormaliseRow(ReadOnlySpan<float> row, float mean, float rstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> xhat, Span<float> y)
    {
        var width = row.Length;
        if (gamma.Length < width || beta.Length < width || xhat.Length < width || y.Length < width)
        {
            throw new ArgumentException($"γ, β, xhat and y of {gamma.Length}, {beta.Length}, {xhat.Length} and {y.Length} values for a row of {width}");
        }

        ref var z = ref MemoryMarshal.GetReference(row);
        ref var scale = ref MemoryMarshal.GetReference(gamma);
        ref var shift = ref MemoryMarshal.GetReference(beta);
        ref var normalised = ref MemoryMarshal.GetReference(xhat);
        ref var activated = ref MemoryMarshal.GetReference(y);
        var j = 0;
        if (Vector.IsHardwareAccelerated && width >= Vector<float>.Count)
        {
            Vector<float> meanLanes = new(mean), rstdLanes = new(rstd);
            for (; j <= width - Vector<float>.Count; j += Vector<float>.Count)
            {
                var at = (nuint)j;
                var x = (Vector.LoadUnsafe(ref z, at) - meanLanes) * rstdLanes;
                x.StoreUnsafe(ref normalised, at);
                var a = (Vector.LoadUnsafe(ref scale, at) * x) + Vector.LoadUnsafe(ref shift, at);
                Vector.ConditionalSelect(Vector.LessThanOrEqual(a, Vector<float>.Zero), Vector<float>.Zero, a).StoreUnsafe(ref activated, at);
            }
        }

        for (; j < width; j++)
        {
            var x = (Unsafe.Add(ref z, j) - mean) * rstd;
            Unsafe.Add(ref normalised, j) = x;
            Unsafe.Add(ref activated, j) = MathF.Max(0f, (Unsafe.Add(ref scale, j) * x) + Unsafe.Add(ref shift, j));
        }
    }

    /// <summary>One row's mean(b) and mean(b · xhat), b = γ dy where y &gt; 0 and 0 · γ elsewhere: double sums in order of float terms.</summary>
    private static (float MeanB, float MeanBx) GradientMeans(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> xhat, ReadOnlySpan<float> gamma)
    {
        var width = dy.Length;
        double meanD = 0, meanDx = 0;
        for (var j = 0; j < width; j++)
        {
            var b = (y[j] > 0f ? dy[j] : 0f) * gamma[j];
            meanD += b;
            meanDx += b * xhat[j];
        }

        return ((float)(meanD / width), (float)(meanDx / width));
    }

    /// <summary><see cref="GradientMeans"/> of four consecutive rows, their chains interleaved.</summary>
    private static void GradientMeans4(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> xhat, ReadOnlySpan<float> gamma, int width, Span<float> m1, Span<float> m2)
    {
        if (dy.Length < Group * width || y.Length < Group * width || xhat.Length < Group * width || gamma.Length < width || m1.Length < Group || m2.Length < Group)
        {
            throw new ArgumentException($"four rows of {width} need {Group * width} values of dy, y and xhat and {width} of γ");
        }

        ref var g0 = ref MemoryMarshal.GetReference(dy);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        ref var x0 = ref MemoryMarshal.GetReference(xhat);
        ref var scale = ref MemoryMarshal.GetReference(gamma);
        double d0 = 0, d1 = 0, d2 = 0, d3 = 0, e0 = 0, e1 = 0, e2 = 0, e3 = 0;
        for (var j = 0; j < width; j++)
        {
            var s = Unsafe.Add(ref scale, j);
            int a0 = j, a1 = j + width, a2 = j + (2 * width), a3 = j + (3 * width);
            var b0 = (Unsafe.Add(ref y0, a0) > 0f ? Unsafe.Add(ref g0, a0) : 0f) * s;
            var b1 = (Unsafe.Add(ref y0, a1) > 0f ? Unsafe.Add(ref g0, a1) : 0f) * s;
            var b2 = (Unsafe.Add(ref y0, a2) > 0f ? Unsafe.Add(ref g0, a2) : 0f) * s;
            var b3 = (Unsafe.Add(ref y0, a3) > 0f ? Unsafe.Add(ref g0, a3) : 0f) * s;
            d0 += b0;
            d1 += b1;
            d2 += b2;
            d3 += b3;
            e0 += b0 * Unsafe.Add(ref x0, a0);
            e1 += b1 * Unsafe.Add(ref x0, a1);
            e2 += b2 * Unsafe.Add(ref x0, a2);
            e3 += b3 * Unsafe.Add(ref x0, a3);
        }

        (m1[0], m1[1], m1[2], m1[3]) = ((float)(d0 / width), (float)(d1 / width), (float)(d2 / width), (float)(d3 / width));
        (m2[0], m2[1], m2[2], m2[3]) = ((float)(e0 / width), (float)(e1 / width), (float)(e2 / width), (float)(e3 / width));
    }

    /// <summary>dz = rstd · ((b − m1) − xhat · m2) for one row, b as in <see cref="GradientMeans"/>.</summary>
    private static void GradientRow(
        ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<float> xhat, ReadOnlySpan<float> gamma, float rstd, float m1, float m2, Span<float> dz)
    {
        var width = dy.Length;
        if (y.Length < width || xhat.Length < width || gamma.Length < width || dz.Length < width)
        {
            throw new ArgumentException($"y, xhat, γ and dz of {y.Length}, {xhat.Length}, {gamma.Length} and {dz.Length} values for a row of {width}");
        }

        ref var gradient = ref MemoryMarshal.GetReference(dy);
        ref var activated = ref MemoryMarshal.GetReference(y);
        ref var normalised = ref MemoryMarshal.GetReference(xhat);
        ref var scale = ref MemoryMarshal.GetReference(gamma);
        ref var output = ref MemoryMarshal.GetReference(dz);
        var j = 0;
        if (Vector.IsHardwareAccelerated && width >= Vector<float>.Count)
        {
            Vector<float> rstdLanes = new(rstd), m1Lanes = new(m1), m2Lanes = new(m2);
            for (; j <= width - Vector<float>.Count; j += Vector<float>.Count)
            {
                var at = (nuint)j;
                var passed = Vector.ConditionalSelect(
                    Vector.GreaterThan(Vector.LoadUnsafe(ref activated, at), Vector<float>.Zero), Vector.LoadUnsafe(ref gradient, at), Vector<float>.Zero);
                var b = passed * Vector.LoadUnsafe(ref scale, at);
                (rstdLanes * ((b - m1Lanes) - (Vector.LoadUnsafe(ref normalised, at) * m2Lanes))).StoreUnsafe(ref output, at);
            }
        }

        for (; j < width; j++)
        {
            var b = (Unsafe.Add(ref activated, j) > 0f ? Unsafe.Add(ref gradient, j) : 0f) * Unsafe.Add(ref scale, j);
            Unsafe.Add(ref output, j) = rstd * (b - m1 - (Unsafe.Add(ref normalised, j) * m2));
        }
    }
}
