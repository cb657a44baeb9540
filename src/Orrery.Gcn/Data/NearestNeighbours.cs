using Orrery.Compute;
using Orrery.Compute.Cpu;
using Orrery.Gcn.Model;

namespace Orrery.Gcn.Data;

/// <summary>
/// Exact k-nearest neighbours (squared Euclidean distance) among the rows of an integer-valued matrix, such as image
/// pixels. Candidates come from float32 GEMM (‖x_j‖² − 2 x_i·x_j, in blocks of rows), and the best
/// <c>k + </c><see cref="SpareCandidates"/> of them per row are ranked again by their exact integer distance, ties
/// broken by the lower index. The answer therefore does not depend on the GEMM's rounding (OpenBLAS or the managed
/// fallback, any thread count), so every silo that builds the graph builds the same one.
/// </summary>
internal static class NearestNeighbours
{
    /// <summary>
    /// Candidates kept beyond k before the exact ranking. Float32 rounding of the GEMM is below ~1e-5 of a squared
    /// distance; a true neighbour would have to fall behind this many others by more than that to be lost.
    /// </summary>
    public const int SpareCandidates = 16;

    private const int BlockRows = 512;

    /// <summary>
    /// For every row of <paramref name="values"/> (<paramref name="rows"/> × <paramref name="columns"/>, integer
    /// values such as 0..255), the <paramref name="k"/> other rows nearest to it, nearest first; row-major (rows, k).
    /// </summary>
    public static int[] Find(CpuDevice device, byte[] values, int rows, int columns, int k)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (k >= rows)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"k is {k}; {rows} rows have at most {rows - 1} neighbours each");
        }

        var candidates = Math.Min(k + SpareCandidates, rows - 1);
        var neighbours = new int[(long)rows * k];
        var norms = new float[rows];
        using var all = new Tensor2(device, rows, columns);
        var allSpan = all.Span;
        for (var i = 0; i < rows; i++)
        {
            var sum = 0L;
            for (var c = 0; c < columns; c++)
            {
                var v = values[(long)i * columns + c];
                allSpan[i * columns + c] = v;
                sum += v * v;
            }

            norms[i] = sum;
        }

        var blockRows = Math.Min(BlockRows, rows);
        using var block = new Tensor2(device, blockRows, columns);
        using var gram = new Tensor2(device, blockRows, rows);
        for (var start = 0; start < rows; start += blockRows)
        {
            var count = Math.Min(blockRows, rows - start);
            allSpan.Slice(start * columns, count * columns).CopyTo(block.Span);
            device.Sgemm(MatrixTranspose.None, MatrixTranspose.Transpose, count, rows, columns, 1f, block.Buffer, columns, all.Buffer, columns, 0f, gram.Buffer, rows);
            var gramBuffer = (CpuBuffer<float>)gram.Buffer;
            var first = start;
            Parallel.For(0, count, i =>
            {
                var row = gramBuffer.Span.Slice(i * rows, rows);
                var best = Candidates(row, norms, first + i, candidates);
                Rank(values, columns, first + i, best, neighbours.AsSpan((first + i) * k, k));
            });
        }

        return neighbours;
    }

    /// <summary>The <paramref name="count"/> rows with the smallest ‖x_j‖² − 2 x_i·x_j, <paramref name="self"/> excluded.</summary>
    private static int[] Candidates(ReadOnlySpan<float> gramRow, float[] norms, int self, int count)
    {
        var keys = new float[count];
        var ids = new int[count];
        var filled = 0;
        for (var j = 0; j < gramRow.Length; j++)
        {
            if (j == self)
            {
                continue;
            }

            var key = norms[j] - 2f * gramRow[j];
            if (filled == count && key >= keys[count - 1])
            {
                continue;
            }

            var at = filled < count ? filled++ : count - 1;
            while (at > 0 && keys[at - 1] > key)
            {
                keys[at] = keys[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }

            keys[at] = key;
            ids[at] = j;
        }

        return ids;
    }

    /// <summary>Writes the first <c>into.Length</c> of <paramref name="candidates"/> by exact distance to <paramref name="self"/>, then index.</summary>
    private static void Rank(byte[] values, int columns, int self, int[] candidates, Span<int> into)
    {
        var exact = new (long Distance, int Id)[candidates.Length];
        var x = values.AsSpan(self * columns, columns);
        for (var c = 0; c < candidates.Length; c++)
        {
            var y = values.AsSpan(candidates[c] * columns, columns);
            var sum = 0L;
            for (var t = 0; t < columns; t++)
            {
                var diff = x[t] - y[t];
                sum += diff * diff;
            }

            exact[c] = (sum, candidates[c]);
        }

        Array.Sort(exact);
        for (var i = 0; i < into.Length; i++)
        {
            into[i] = exact[i].Id;
        }
    }
}
