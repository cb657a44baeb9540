using System.Buffers.Binary;

namespace Orrery.Pca.Data;

/// <summary>
/// Raw float32 matrices with a shape header: the 8 bytes "ORRF32\0\0", the rows and columns as
/// little-endian 64-bit integers, then rows x columns little-endian float32 values, row-major.
/// NumPy writes one with <c>open(p, "wb").write(b"ORRF32\0\0" + np.array(a.shape, "&lt;i8").tobytes() + a.astype("&lt;f4").tobytes())</c>.
/// </summary>
public static class RawMatrixFile
{
    /// <summary>The 8-byte magic at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "ORRF32\0\0"u8;

    /// <summary>Header bytes before the values.</summary>
    public const int HeaderBytes = 24;

    /// <summary>Reads at most <paramref name="maxRows"/> rows (0 = all) of <paramref name="path"/>.</summary>
    public static PcaMatrix Read(string path, long maxRows = 0)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read: {e.Message}", e);
        }

        if (bytes.Length < HeaderBytes)
        {
            throw new DataFormatException($"{path}: offset {bytes.Length}: the file ends inside the {HeaderBytes}-byte header");
        }

        if (!bytes.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new DataFormatException($"{path}: offset 0: a raw float32 matrix starts with \"ORRF32\\0\\0\"; this file does not");
        }

        var rows = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        var columns = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        if (rows <= 0 || columns <= 0 || columns > int.MaxValue || rows > int.MaxValue)
        {
            throw new DataFormatException($"{path}: offset 8: the shape {rows} x {columns} is not a matrix (both must be between 1 and {int.MaxValue})");
        }

        var expected = HeaderBytes + rows * columns * 4;
        if (bytes.LongLength != expected)
        {
            throw new DataFormatException($"{path}: offset {Math.Min(bytes.LongLength, expected)}: the header promises {rows} x {columns} float32 values, {expected} bytes in all; the file has {bytes.LongLength}");
        }

        var keep = maxRows > 0 ? Math.Min(rows, maxRows) : rows;
        var values = new float[keep * columns];
        for (long i = 0; i < values.LongLength; i++)
        {
            var value = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(HeaderBytes + 4 * i)));
            if (!float.IsFinite(value))
            {
                throw new DataFormatException($"{path}: offset {HeaderBytes + 4 * i}: value {i} (row {i / columns}, column {i % columns}) is {value}");
            }

            values[i] = value;
        }

        return new PcaMatrix((int)keep, (int)columns, values);
    }

    /// <summary>Writes <paramref name="matrix"/> in this format.</summary>
    public static void Write(string path, PcaMatrix matrix)
    {
        using var stream = File.Create(path);
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], matrix.Rows);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], matrix.Columns);
        stream.Write(header);
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(matrix.Values.AsSpan()));
    }
}
