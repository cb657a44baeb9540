namespace Orrery.Pca.Data;

/// <summary>A dense float32 matrix, row-major: <see cref="Rows"/> x <see cref="Columns"/>.</summary>
public sealed class PcaMatrix
{
    /// <summary>Wraps <paramref name="values"/> (rows x columns, row-major) without copying.</summary>
    public PcaMatrix(int rows, int columns, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (values.LongLength != (long)rows * columns)
        {
            throw new ArgumentException($"a {rows} x {columns} matrix needs {(long)rows * columns} values; got {values.LongLength}");
        }

        Rows = rows;
        Columns = columns;
        Values = values;
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>The values, row-major.</summary>
    public float[] Values { get; }

    /// <summary>Row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Columns, Columns);

    /// <summary>Subtracts the column means (accumulated in double), so Y^T Y / n is the covariance.</summary>
    public void CenterColumns()
    {
        var means = new double[Columns];
        for (var r = 0; r < Rows; r++)
        {
            var row = Row(r);
            for (var c = 0; c < Columns; c++)
            {
                means[c] += row[c];
            }
        }

        for (var c = 0; c < Columns; c++)
        {
            means[c] /= Rows;
        }

        for (var r = 0; r < Rows; r++)
        {
            var row = Values.AsSpan(r * Columns, Columns);
            for (var c = 0; c < Columns; c++)
            {
                row[c] = (float)(row[c] - means[c]);
            }
        }
    }
}
