using System.Numerics;
using System.Runtime.Intrinsics;

namespace Orrery.Compute.Cpu;

/// <summary>Packing: op(A) and op(B) copied into the sliver layouts the micro-kernels read with unit stride.</summary>
internal static unsafe partial class ManagedGemm
{
    /// <summary>
    /// Rows [i0, i0 + rows) × steps [p0, p0 + kc) of op(A) as slivers of MR rows: sliver s holds
    /// packed[s·MR·kc + p·MR + r] = op(A)[i0 + s·MR + r, p0 + p], rows past the end zero.
    /// </summary>
    private static void PackA(in Product product, int i0, int rows, int p0, int kc, float* packed)
    {
        for (var ir = 0; ir < rows; ir += MR)
        {
            var valid = Math.Min(MR, rows - ir);
            var sliver = packed + ((nint)ir * kc);
            if (product.TransposeA)
            {
                // A stored k×m: op(A)[i, p] = A[p, i], so each step's MR values are adjacent in memory.
                var source = product.A + ((nint)p0 * product.Lda) + i0 + ir;
                for (var p = 0; p < kc; p++, source += product.Lda, sliver += MR)
                {
                    var r = 0;
                    for (; r < valid; r++)
                    {
                        sliver[r] = source[r];
                    }

                    for (; r < MR; r++)
                    {
                        sliver[r] = 0;
                    }
                }
            }
            else
            {
                // A stored m×k: read each of the MR rows along k, write them interleaved.
                for (var r = 0; r < MR; r++)
                {
                    if (r < valid)
                    {
                        var source = product.A + ((nint)(i0 + ir + r) * product.Lda) + p0;
                        for (var p = 0; p < kc; p++)
                        {
                            sliver[(p * MR) + r] = source[p];
                        }
                    }
                    else
                    {
                        for (var p = 0; p < kc; p++)
                        {
                            sliver[(p * MR) + r] = 0;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Steps [p0, p0 + kc) × columns [j0, j0 + columns) of op(B) as slivers of <paramref name="nr"/> columns:
    /// sliver s holds packed[s·nr·kc + p·nr + j] = op(B)[p0 + p, j0 + s·nr + j], columns past the end zero.
    /// </summary>
    private static void PackB(in Product product, int j0, int columns, int p0, int kc, int nr, float* packed)
    {
        for (var jr = 0; jr < columns; jr += nr)
        {
            var valid = Math.Min(nr, columns - jr);
            var sliver = packed + ((nint)jr * kc);
            if (product.TransposeB)
            {
                // B stored n×k: op(B)[p, j] = B[j, p]; read each column's row of B along k.
                for (var j = 0; j < nr; j++)
                {
                    if (j < valid)
                    {
                        var source = product.B + ((nint)(j0 + jr + j) * product.Ldb) + p0;
                        for (var p = 0; p < kc; p++)
                        {
                            sliver[(p * nr) + j] = source[p];
                        }
                    }
                    else
                    {
                        for (var p = 0; p < kc; p++)
                        {
                            sliver[(p * nr) + j] = 0;
                        }
                    }
                }
            }
            else
            {
                // B stored k×n: each step's nr values are one contiguous run of a row of B, copied as two
                // vectors (a Span copy per 64 bytes cost more than the kernel's work on them).
                var source = product.B + ((nint)p0 * product.Ldb) + j0 + jr;
                var width = nr / 2;
                if (valid == nr && width == Vector<float>.Count)
                {
                    for (var p = 0; p < kc; p++, source += product.Ldb, sliver += nr)
                    {
                        Vector.Load(source).Store(sliver);
                        Vector.Load(source + width).Store(sliver + width);
                    }
                }
                else if (valid == nr && width == Vector256<float>.Count)
                {
                    for (var p = 0; p < kc; p++, source += product.Ldb, sliver += nr)
                    {
                        Vector256.Load(source).Store(sliver);
                        Vector256.Load(source + width).Store(sliver + width);
                    }
                }
                else
                {
                    for (var p = 0; p < kc; p++, source += product.Ldb, sliver += nr)
                    {
                        var j = 0;
                        for (; j < valid; j++)
                        {
                            sliver[j] = source[j];
                        }

                        for (; j < nr; j++)
                        {
                            sliver[j] = 0;
                        }
                    }
                }
            }
        }
    }
}
