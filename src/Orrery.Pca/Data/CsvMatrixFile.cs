using System.Globalization;

namespace Orrery.Pca.Data;

/// <summary>
/// CSV matrices: one row per line, comma-separated numbers, every line the same number of fields; blank lines are
/// skipped. The first line is a header, and skipped, only when none of its fields is a number; a first line that
/// mixes numbers and words is refused (a data row with a typo must not vanish as a "header"). Every value must be
/// finite in float32, the precision the shards compute in: 1e39 is a finite double but infinite as a float, and is
/// refused with its line and column.
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
        var first = true;
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
                if (first)
                {
                    first = false;
                    if (IsHeader(path, lineNumber, fields))
                    {
                        continue;
                    }
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
                    values.Add(Value(path, lineNumber, c, fields[c]));
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

    /// <summary>True when no field of the first line is a number (a header); false when all are; otherwise refused.</summary>
    private static bool IsHeader(string path, int lineNumber, string[] fields)
    {
        var numeric = fields.Select(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)).ToArray();
        if (numeric.All(n => !n))
        {
            return true;
        }

        if (numeric.All(n => n))
        {
            return false;
        }

        var word = Array.IndexOf(numeric, false);
        var number = Array.IndexOf(numeric, true);
        throw new DataFormatException(
            $"{path}: line {lineNumber}: the first line is neither a header (no field a number) nor a row of numbers: " +
            $"column {number + 1} is the number '{fields[number].Trim()}', column {word + 1} is '{fields[word].Trim()}'");
    }

    /// <summary>Field <paramref name="column"/> (0-based) as a float32, or the error naming its line and column.</summary>
    private static float Value(string path, int lineNumber, int column, string field)
    {
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new DataFormatException($"{path}: line {lineNumber}, column {column + 1}: '{field.Trim()}' is not a finite number");
        }

        // The check after the conversion: a double beyond float32's range (about 3.4e38) becomes infinity here.
        var single = (float)value;
        if (!float.IsFinite(single))
        {
            throw new DataFormatException($"{path}: line {lineNumber}, column {column + 1}: '{field.Trim()}' is beyond float32's range (+-{float.MaxValue:g3}); the shards compute in float32");
        }

        return single;
    }
}
