using Orrery.Gcn.Partitioning;

namespace Orrery.Gcn.Kernels;

/// <summary>
/// A part's adjacency by column: for every column c of the extended rows (inner 0..n-1, then halo n..n+h-1), the
/// entries (v → c) of the CSR rows that read it, listed by ascending source row v (and, within one v, ascending
/// entry), with their coefficients. <c>gcn_aggregate_transpose</c> gathers over it, so the backward sums each
/// column's contributions in the order the serial scatter added them, without atomics.
/// </summary>
public sealed class TransposedAdjacency
{
    private TransposedAdjacency(int[] columnStart, int[] rows, float[] coefficients)
    {
        ColumnStart = columnStart;
        Rows = rows;
        Coefficients = coefficients;
    }

    /// <summary>Start of each column's entries (length columns + 1).</summary>
    public int[] ColumnStart { get; }

    /// <summary>Source row v of each entry, ascending within a column.</summary>
    public int[] Rows { get; }

    /// <summary>The coefficient of each entry, as in the CSR.</summary>
    public float[] Coefficients { get; }

    /// <summary>Number of columns (n + h for a part).</summary>
    public int ColumnCount => ColumnStart.Length - 1;

    /// <summary>The transpose of <paramref name="plan"/>'s adjacency over its n + h extended rows.</summary>
    public static TransposedAdjacency Build(PartitionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Build(plan.RowStart, plan.Columns, plan.Coefficients, plan.InnerCount + plan.HaloCount);
    }

    /// <summary>
    /// The transpose of the CSR (<paramref name="rowStart"/>, <paramref name="columns"/>, <paramref name="coefficients"/>)
    /// over <paramref name="columnCount"/> columns. A counting sort: the rows are walked in ascending order and each
    /// entry is appended to its column, so every column lists its sources by ascending row.
    /// </summary>
    public static TransposedAdjacency Build(int[] rowStart, int[] columns, float[] coefficients, int columnCount)
    {
        ArgumentNullException.ThrowIfNull(rowStart);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(coefficients);
        ArgumentOutOfRangeException.ThrowIfNegative(columnCount);
        if (rowStart.Length == 0 || rowStart[0] != 0 || rowStart[^1] != columns.Length || coefficients.Length != columns.Length)
        {
            throw new ArgumentException($"not a CSR: row starts {rowStart.Length} long from {(rowStart.Length > 0 ? rowStart[0] : -1)} to {(rowStart.Length > 0 ? rowStart[^1] : -1)}, {columns.Length} columns, {coefficients.Length} coefficients");
        }

        var start = new int[columnCount + 1];
        foreach (var c in columns)
        {
            if ((uint)c >= (uint)columnCount)
            {
                throw new ArgumentException($"column {c} is outside 0..{columnCount - 1}", nameof(columns));
            }

            start[c + 1]++;
        }

        for (var c = 0; c < columnCount; c++)
        {
            start[c + 1] += start[c];
        }

        var next = start[..^1];
        var rows = new int[columns.Length];
        var transposed = new float[columns.Length];
        for (var v = 0; v < rowStart.Length - 1; v++)
        {
            for (var e = rowStart[v]; e < rowStart[v + 1]; e++)
            {
                var slot = next[columns[e]]++;
                rows[slot] = v;
                transposed[slot] = coefficients[e];
            }
        }

        return new TransposedAdjacency(start, rows, transposed);
    }
}
