using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Orrery.Compute.Cpu;

/// <summary>
/// The micro-kernels: an MR × NR block of C accumulated in registers over kc steps from a packed A sliver
/// (MR values per step) and a packed B sliver (NR values per step), then written to C once.
/// </summary>
internal static unsafe partial class ManagedGemm
{
    /// <summary>
    /// 6 × 16 with AVX2 and FMA: 12 ymm accumulators, 2 for B, 1 for the broadcast A value. op(A)[r, p] is read
    /// at a[r·rowStride + p·stepStride] (packed: 1 and MR), rows past <paramref name="rows"/> as the last row;
    /// op(B)[p, j] at b[p·bStride + j] (packed: 16).
    /// </summary>
    private static void KernelAvx2Fma(float* a, nint rowStride, nint stepStride, float* b, nint bStride, int kc, float* c, int ldc, int rows, int columns, in Epilogue epilogue)
    {
        float* a0 = a, a1 = Row(a, rowStride, 1, rows), a2 = Row(a, rowStride, 2, rows), a3 = Row(a, rowStride, 3, rows), a4 = Row(a, rowStride, 4, rows), a5 = Row(a, rowStride, 5, rows);
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (nint p = 0, step = 0; p < kc; p++, step += stepStride, b += bStride)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x0 = Vector256.Create(a0[step]);
            c00 = Fma.MultiplyAdd(x0, b0, c00);
            c01 = Fma.MultiplyAdd(x0, b1, c01);
            var x1 = Vector256.Create(a1[step]);
            c10 = Fma.MultiplyAdd(x1, b0, c10);
            c11 = Fma.MultiplyAdd(x1, b1, c11);
            var x2 = Vector256.Create(a2[step]);
            c20 = Fma.MultiplyAdd(x2, b0, c20);
            c21 = Fma.MultiplyAdd(x2, b1, c21);
            var x3 = Vector256.Create(a3[step]);
            c30 = Fma.MultiplyAdd(x3, b0, c30);
            c31 = Fma.MultiplyAdd(x3, b1, c31);
            var x4 = Vector256.Create(a4[step]);
            c40 = Fma.MultiplyAdd(x4, b0, c40);
            c41 = Fma.MultiplyAdd(x4, b1, c41);
            var x5 = Vector256.Create(a5[step]);
            c50 = Fma.MultiplyAdd(x5, b0, c50);
            c51 = Fma.MultiplyAdd(x5, b1, c51);
        }

        if (rows == MR && columns == 16)
        {
            StoreRow(c + ((nint)0 * ldc), c00, c01, epilogue);
            StoreRow(c + ((nint)1 * ldc), c10, c11, epilogue);
            StoreRow(c + ((nint)2 * ldc), c20, c21, epilogue);
            StoreRow(c + ((nint)3 * ldc), c30, c31, epilogue);
            StoreRow(c + ((nint)4 * ldc), c40, c41, epilogue);
            StoreRow(c + ((nint)5 * ldc), c50, c51, epilogue);
            return;
        }

        // An edge of C: the whole block goes to a scratch tile and only its valid part is written.
        var scratch = stackalloc float[MR * 16];
        c00.Store(scratch + 0);
        c01.Store(scratch + 8);
        c10.Store(scratch + 16);
        c11.Store(scratch + 24);
        c20.Store(scratch + 32);
        c21.Store(scratch + 40);
        c30.Store(scratch + 48);
        c31.Store(scratch + 56);
        c40.Store(scratch + 64);
        c41.Store(scratch + 72);
        c50.Store(scratch + 80);
        c51.Store(scratch + 88);
        StorePartial(scratch, 16, c, ldc, rows, columns, epilogue, fused: true);
    }

    /// <summary>6 × 2·Vector&lt;float&gt;.Count with <see cref="Vector{T}"/>, for CPUs without AVX2+FMA; A addressed as in <see cref="KernelAvx2Fma"/>.</summary>
    private static void KernelPortable(float* a, nint rowStride, nint stepStride, float* b, nint bStride, int kc, float* c, int ldc, int rows, int columns, in Epilogue epilogue)
    {
        float* a0 = a, a1 = Row(a, rowStride, 1, rows), a2 = Row(a, rowStride, 2, rows), a3 = Row(a, rowStride, 3, rows), a4 = Row(a, rowStride, 4, rows), a5 = Row(a, rowStride, 5, rows);
        var width = Vector<float>.Count;
        Vector<float> c00 = default, c01 = default;
        Vector<float> c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default;
        Vector<float> c30 = default, c31 = default;
        Vector<float> c40 = default, c41 = default;
        Vector<float> c50 = default, c51 = default;
        for (nint p = 0, step = 0; p < kc; p++, step += stepStride, b += bStride)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + width);
            var x0 = new Vector<float>(a0[step]);
            c00 = Vector.MultiplyAddEstimate(x0, b0, c00);
            c01 = Vector.MultiplyAddEstimate(x0, b1, c01);
            var x1 = new Vector<float>(a1[step]);
            c10 = Vector.MultiplyAddEstimate(x1, b0, c10);
            c11 = Vector.MultiplyAddEstimate(x1, b1, c11);
            var x2 = new Vector<float>(a2[step]);
            c20 = Vector.MultiplyAddEstimate(x2, b0, c20);
            c21 = Vector.MultiplyAddEstimate(x2, b1, c21);
            var x3 = new Vector<float>(a3[step]);
            c30 = Vector.MultiplyAddEstimate(x3, b0, c30);
            c31 = Vector.MultiplyAddEstimate(x3, b1, c31);
            var x4 = new Vector<float>(a4[step]);
            c40 = Vector.MultiplyAddEstimate(x4, b0, c40);
            c41 = Vector.MultiplyAddEstimate(x4, b1, c41);
            var x5 = new Vector<float>(a5[step]);
            c50 = Vector.MultiplyAddEstimate(x5, b0, c50);
            c51 = Vector.MultiplyAddEstimate(x5, b1, c51);
        }

        if (rows == MR && columns == 2 * width)
        {
            StoreRow(c + ((nint)0 * ldc), c00, c01, epilogue);
            StoreRow(c + ((nint)1 * ldc), c10, c11, epilogue);
            StoreRow(c + ((nint)2 * ldc), c20, c21, epilogue);
            StoreRow(c + ((nint)3 * ldc), c30, c31, epilogue);
            StoreRow(c + ((nint)4 * ldc), c40, c41, epilogue);
            StoreRow(c + ((nint)5 * ldc), c50, c51, epilogue);
            return;
        }

        var scratch = stackalloc float[MR * 2 * Vector<float>.Count];
        c00.Store(scratch + (0 * width));
        c01.Store(scratch + (1 * width));
        c10.Store(scratch + (2 * width));
        c11.Store(scratch + (3 * width));
        c20.Store(scratch + (4 * width));
        c21.Store(scratch + (5 * width));
        c30.Store(scratch + (6 * width));
        c31.Store(scratch + (7 * width));
        c40.Store(scratch + (8 * width));
        c41.Store(scratch + (9 * width));
        c50.Store(scratch + (10 * width));
        c51.Store(scratch + (11 * width));
        StorePartial(scratch, 2 * width, c, ldc, rows, columns, epilogue, fused: false);
    }

    /// <summary>Row <paramref name="r"/> of an A sliver; rows past <paramref name="rows"/> repeat the last (their results are not stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* a, nint rowStride, int r, int rows) => a + (Math.Min(r, rows - 1) * rowStride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> low, Vector256<float> high, in Epilogue epilogue)
    {
        var alpha = Vector256.Create(epilogue.Alpha);
        switch (epilogue.Mode)
        {
            case StoreMode.Overwrite:
                (alpha * low).Store(c);
                (alpha * high).Store(c + 8);
                break;
            case StoreMode.Accumulate:
                Fma.MultiplyAdd(alpha, low, Vector256.Load(c)).Store(c);
                Fma.MultiplyAdd(alpha, high, Vector256.Load(c + 8)).Store(c + 8);
                break;
            default:
                var beta = Vector256.Create(epilogue.Beta);
                Fma.MultiplyAdd(alpha, low, beta * Vector256.Load(c)).Store(c);
                Fma.MultiplyAdd(alpha, high, beta * Vector256.Load(c + 8)).Store(c + 8);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector<float> low, Vector<float> high, in Epilogue epilogue)
    {
        var width = Vector<float>.Count;
        var alpha = new Vector<float>(epilogue.Alpha);
        switch (epilogue.Mode)
        {
            case StoreMode.Overwrite:
                (alpha * low).Store(c);
                (alpha * high).Store(c + width);
                break;
            case StoreMode.Accumulate:
                ((alpha * low) + Vector.Load(c)).Store(c);
                ((alpha * high) + Vector.Load(c + width)).Store(c + width);
                break;
            default:
                var beta = new Vector<float>(epilogue.Beta);
                ((alpha * low) + (beta * Vector.Load(c))).Store(c);
                ((alpha * high) + (beta * Vector.Load(c + width))).Store(c + width);
                break;
        }
    }

    /// <summary>
    /// The valid <paramref name="rows"/> × <paramref name="columns"/> of a scratch block to C, with the same
    /// arithmetic as the vector stores (<paramref name="fused"/>: FMA), so a value does not depend on
    /// whether its block was whole.
    /// </summary>
    private static void StorePartial(float* scratch, int stride, float* c, int ldc, int rows, int columns, in Epilogue epilogue, bool fused)
    {
        for (var r = 0; r < rows; r++)
        {
            var source = scratch + (r * stride);
            var target = c + ((nint)r * ldc);
            for (var j = 0; j < columns; j++)
            {
                var value = source[j];
                target[j] = epilogue.Mode switch
                {
                    StoreMode.Overwrite => epilogue.Alpha * value,
                    StoreMode.Accumulate => fused ? MathF.FusedMultiplyAdd(epilogue.Alpha, value, target[j]) : (epilogue.Alpha * value) + target[j],
                    _ => fused ? MathF.FusedMultiplyAdd(epilogue.Alpha, value, epilogue.Beta * target[j]) : (epilogue.Alpha * value) + (epilogue.Beta * target[j]),
                };
            }
        }
    }

    /// <summary>How a block reaches C.</summary>
    private enum StoreMode
    {
        /// <summary>C = alpha·block, C not read (beta = 0: whatever C held, NaN included, is gone).</summary>
        Overwrite,

        /// <summary>C = alpha·block + C (beta = 1, or any pass after the first).</summary>
        Accumulate,

        /// <summary>C = alpha·block + beta·C (the first pass, other beta).</summary>
        Scale,
    }

    /// <summary>What the kernels do with a finished block.</summary>
    private readonly record struct Epilogue(float Alpha, float Beta, StoreMode Mode);
}
