using Orrery.Experiments.Data;

namespace Orrery.Pca.Data;

/// <summary>IDX files (the MNIST family) as PCA data matrices: <see cref="IdxReader"/> with PCA's error type.</summary>
public static class IdxFile
{
    /// <summary>Reads at most <paramref name="maxRows"/> rows (0 = all) of <paramref name="path"/>.</summary>
    public static PcaMatrix Read(string path, long maxRows = 0) => Wrap(() => IdxReader.Read(path, maxRows));

    /// <summary>Parses IDX <paramref name="bytes"/> (already decompressed); <paramref name="path"/> names them in errors.</summary>
    public static PcaMatrix Parse(byte[] bytes, string path, long maxRows = 0) => Wrap(() => IdxReader.Parse(bytes, path, maxRows));

    private static PcaMatrix Wrap(Func<IdxMatrix> read)
    {
        try
        {
            var matrix = read();
            return new PcaMatrix(matrix.Rows, matrix.Columns, matrix.Values);
        }
        catch (IdxFormatException e)
        {
            throw new DataFormatException(e.Message, e);
        }
    }
}
