using Orrery.Compute;
using Orrery.Compute.Random;

namespace Orrery.GpuCheck;

/// <summary>Deterministic inputs and host-side references, the same on every machine.</summary>
internal static class Inputs
{
    /// <summary>Uniforms in [-1, 1) from Philox stream <paramref name="stream"/>.</summary>
    public static float[] Uniforms(ulong stream, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (2f * NormalTransform.Uniform(Philox4x32.Generate(0x0DDBA11, stream, (ulong)i).X0)) - 1f;
        }

        return values;
    }

    /// <summary>Row-major C = alpha op(A) op(B) + beta C accumulated in double: the oracle when OpenBLAS is absent.</summary>
    public static float[] ReferenceGemm(
        MatrixTranspose transposeA, MatrixTranspose transposeB, int m, int n, int k,
        float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var result = (float[])c.Clone();
        Parallel.For(0, m, i =>
        {
            for (var j = 0; j < n; j++)
            {
                double dot = 0;
                for (var l = 0; l < k; l++)
                {
                    var ail = transposeA == MatrixTranspose.None ? a[(i * lda) + l] : a[(l * lda) + i];
                    var blj = transposeB == MatrixTranspose.None ? b[(l * ldb) + j] : b[(j * ldb) + l];
                    dot += (double)ail * blj;
                }

                result[(i * ldc) + j] = (float)((alpha * dot) + (beta * (double)c[(i * ldc) + j]));
            }
        });
        return result;
    }
}
