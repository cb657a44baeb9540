using Orrery.Contracts.Pca;

namespace Orrery.Pca.Data;

/// <summary>
/// Loads the data a <see cref="PcaSource"/> describes. Files are read whole (centring needs every row's
/// mean) and kept for the next shard of the same source in this process; generated rows are computed
/// for the asked range only.
/// </summary>
public static class PcaData
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> puts its files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly Lock Gate = new();
    private static (string Key, PcaMatrix Matrix)? _lastFile;

    /// <summary>Checks a source description; the message says what to change.</summary>
    public static void Validate(PcaSource source)
    {
        switch (source.Kind)
        {
            case "generated":
                SyntheticData.Spectrum(source);
                if (source.Dimension < 2)
                {
                    throw new ArgumentException($"a generated matrix needs dimension >= 2; it is {source.Dimension}");
                }

                break;
            case "idx" or "csv" or "raw":
                if (!File.Exists(source.Path))
                {
                    throw new DataFormatException($"{source.Path}: no such file");
                }

                break;
            case "fashion-mnist":
                _ = FashionMnistFiles(source.Split);
                break;
            default:
                throw new ArgumentException($"data source kind is '{source.Kind}'; it must be generated, idx, csv, raw or fashion-mnist");
        }
    }

    /// <summary>True when the source has an exactly known eigenbasis (generated power, exponential or spiked spectra).</summary>
    public static bool HasKnownBasis(PcaSource source) => source.Kind == "generated" && SyntheticData.HasExactBasis(source);

    /// <summary>The whole data matrix of a file source (rows x d), centred unless asked not to, scaled.</summary>
    public static PcaMatrix LoadFile(PcaSource source)
    {
        // The file's length and write time are part of the key: a long-lived silo must not serve a rewritten file's old rows.
        var key = source.Path is { } path && File.Exists(path)
            ? $"{source} {new FileInfo(path).Length} {File.GetLastWriteTimeUtc(path).Ticks}"
            : source.ToString();
        lock (Gate)
        {
            if (_lastFile is { } last && last.Key == key)
            {
                return last.Matrix;
            }
        }

        var matrix = source.Kind switch
        {
            "idx" => IdxFile.Read(source.Path, source.Rows),
            "csv" => CsvMatrixFile.Read(source.Path, source.Rows),
            "raw" => RawMatrixFile.Read(source.Path, source.Rows),
            "fashion-mnist" => ReadFashionMnist(source),
            _ => throw new ArgumentException($"'{source.Kind}' is not a file source"),
        };
        if (source.Scale is not (0 or 1))
        {
            var factor = (float)(1.0 / source.Scale);
            var values = matrix.Values;
            for (long i = 0; i < values.LongLength; i++)
            {
                values[i] *= factor;
            }
        }

        if (source.Center)
        {
            matrix.CenterColumns();
        }

        CheckFinite(source, matrix);

        lock (Gate)
        {
            _lastFile = (key, matrix);
        }

        return matrix;
    }

    /// <summary>(rows, dimension) of the data matrix; for generated data from the description alone.</summary>
    public static (long Rows, int Dimension) Shape(PcaSource source)
    {
        if (source.Kind == "generated")
        {
            return (source.Rows, source.Dimension);
        }

        var matrix = LoadFile(source);
        return (matrix.Rows, matrix.Columns);
    }

    /// <summary>Rows [<paramref name="first"/>, first + <paramref name="count"/>) of the data matrix.</summary>
    public static PcaMatrix Rows(PcaSource source, long first, int count)
    {
        if (source.Kind == "generated")
        {
            return SyntheticData.Rows(source, first, count);
        }

        var matrix = LoadFile(source);
        var values = new float[(long)count * matrix.Columns];
        Array.Copy(matrix.Values, first * matrix.Columns, values, 0, values.LongLength);
        return new PcaMatrix(count, matrix.Columns, values);
    }

    /// <summary>
    /// Every value must still be finite in float32 after scaling and centring (each value is, as read, but dividing
    /// by a small scale or subtracting a mean can carry one past float32's range).
    /// </summary>
    private static void CheckFinite(PcaSource source, PcaMatrix matrix)
    {
        var values = matrix.Values;
        for (long i = 0; i < values.LongLength; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                var name = source.Kind == "fashion-mnist" ? $"fashion-mnist {source.Split}" : source.Path;
                throw new DataFormatException(
                    $"{name}: row {i / matrix.Columns + 1}, column {i % matrix.Columns + 1}: beyond float32's range after " +
                    $"{(source.Scale is not (0 or 1) ? $"dividing by scale {source.Scale:g4}" : "")}{(source.Scale is not (0 or 1) && source.Center ? " and " : "")}{(source.Center ? "centring" : "")}; scale the data down");
            }
        }
    }

    /// <summary>The IDX image files of a Fashion-MNIST split, or why they are not there.</summary>
    public static string[] FashionMnistFiles(string split)
    {
        string[] names = split switch
        {
            "" or "train" => ["train-images-idx3-ubyte.gz"],
            "test" => ["t10k-images-idx3-ubyte.gz"],
            "all" => ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"],
            _ => throw new ArgumentException($"fashion-mnist split is '{split}'; it must be train, test or all"),
        };
        var paths = names.Select(n => Path.Combine(FashionMnistDirectory, n)).ToArray();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new DataFormatException($"{path}: no such file; install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)");
            }
        }

        return paths;
    }

    private static PcaMatrix ReadFashionMnist(PcaSource source)
    {
        var parts = FashionMnistFiles(source.Split).Select(p => IdxFile.Read(p)).ToArray();
        var columns = parts[0].Columns;
        var rows = parts.Sum(p => p.Rows);
        if (source.Rows > 0)
        {
            rows = (int)Math.Min(rows, source.Rows);
        }

        var values = new float[(long)rows * columns];
        long at = 0;
        foreach (var part in parts)
        {
            var take = Math.Min(part.Values.LongLength, values.LongLength - at);
            Array.Copy(part.Values, 0, values, at, take);
            at += take;
        }

        return new PcaMatrix(rows, columns, values);
    }
}
