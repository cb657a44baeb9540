using System.Globalization;

namespace Orrery.Pca.Data;

/// <summary>
/// CSV matrices: one row per line, comma-separated numbers, every line the same number of fields.
/// A first line that is not all numbers is taken as a header and skipped; blank lines are skipped.
/// </summary>
public static class CsvMatrixFile
{
    /// <summary>Reads at most <paramref name="maxRows"/> rows (0 = all) of <paramref name="path"/>.</summary>
    public static PcaMatrix Read(string path, long maxRows = 0)
    {
        var values = new List<float>();
        var columns = -1;
        var rows = 0;
        var lineNumber = 0;
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var fields = line.Split(',');
                if (lineNumber == 1 && !fields.All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                {
                    continue;
                }

                if (columns < 0)
                {
                    columns = fields.Length;
                }
                else if (fields.Length != columns)
                {
                    throw new DataFormatException($"{path}: line {lineNumber}: {fields.Length} fields; the rows before have {columns}");
                }

                for (var c = 0; c < fields.Length; c++)
                {
                    if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                    {
                        throw new DataFormatException($"{path}: line {lineNumber}, field {c + 1}: '{fields[c].Trim()}' is not a finite number");
                    }

                    values.Add((float)value);
                }

                rows++;
                if (maxRows > 0 && rows >= maxRows)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read: {e.Message}", e);
        }

        if (rows == 0)
        {
            throw new DataFormatException($"{path}: line {lineNumber}: no numeric rows");
        }

        return new PcaMatrix(rows, columns, [.. values]);
    }
}
