using System.Buffers.Binary;
using System.IO.Compression;

namespace Orrery.Experiments.Data;

/// <summary>
/// Reads IDX files (the MNIST family: magic 0x0000, a type byte, the number of dimensions, big-endian 32-bit sizes,
/// then the values big-endian), gzipped or not, into float32. The first dimension is the rows; the others are
/// flattened into columns (28 x 28 images become 784 columns). Errors are <see cref="IdxFormatException"/>s that
/// name the file and the byte offset.
/// </summary>
public static class IdxReader
{
    /// <summary>Reads at most <paramref name="maxRows"/> rows (0 = all) of <paramref name="path"/>.</summary>
    public static IdxMatrix Read(string path, long maxRows = 0)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException($"{path}: the gzip stream is damaged: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdxFormatException($"{path}: cannot read: {e.Message}", e);
        }

        return Parse(bytes, path, maxRows);
    }

    /// <summary>Parses IDX <paramref name="bytes"/> (already decompressed); <paramref name="path"/> names them in errors.</summary>
    public static IdxMatrix Parse(ReadOnlySpan<byte> bytes, string path, long maxRows = 0)
    {
        var (type, size, header, sizes) = ReadHeader(bytes, path);
        var rows = sizes[0];
        var columns = sizes.Skip(1).Aggregate(1L, (a, b) => a * b);
        var expected = header + rows * columns * size;
        if (bytes.Length != expected)
        {
            throw new IdxFormatException(
                $"{path}: offset {Math.Min(bytes.Length, expected)}: the header promises {string.Join(" x ", sizes)} values of {size} byte(s), {expected} bytes in all; the file has {bytes.Length}");
        }

        var keep = maxRows > 0 ? Math.Min(rows, maxRows) : rows;
        if (keep * columns > Array.MaxLength || columns > int.MaxValue)
        {
            throw new IdxFormatException($"{path}: {keep} x {columns} values do not fit in one array");
        }

        var values = new float[keep * columns];
        var data = bytes[header..];
        for (long i = 0; i < values.LongLength; i++)
        {
            var at = data[(int)(i * size)..];
            double value = type switch
            {
                0x08 => at[0],
                0x09 => (sbyte)at[0],
                0x0B => BinaryPrimitives.ReadInt16BigEndian(at),
                0x0C => BinaryPrimitives.ReadInt32BigEndian(at),
                0x0D => BinaryPrimitives.ReadSingleBigEndian(at),
                _ => BinaryPrimitives.ReadDoubleBigEndian(at),
            };
            // Checked after the conversion: a finite double beyond float32's range becomes infinity.
            if (!float.IsFinite((float)value))
            {
                var why = double.IsFinite(value) ? $"{value:g4}, beyond float32's range (+-{float.MaxValue:g3}); values are read as float32" : $"{value}";
                throw new IdxFormatException($"{path}: offset {header + i * size}: value {i} (row {i / columns}, column {i % columns}) is {why}");
            }

            values[i] = (float)value;
        }

        return new IdxMatrix((int)keep, (int)columns, values);
    }

    private static (byte Type, int Size, int Header, long[] Sizes) ReadHeader(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < 4)
        {
            throw new IdxFormatException($"{path}: offset 0: {bytes.Length} bytes is too short for an IDX header (4 bytes of magic)");
        }

        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new IdxFormatException($"{path}: offset 0: IDX files start with two zero bytes; found 0x{bytes[0]:X2} 0x{bytes[1]:X2} (not an IDX file?)");
        }

        var type = bytes[2];
        var size = type switch
        {
            0x08 or 0x09 => 1,
            0x0B => 2,
            0x0C or 0x0D => 4,
            0x0E => 8,
            _ => throw new IdxFormatException($"{path}: offset 2: 0x{type:X2} is not an IDX element type (0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)"),
        };
        var dimensions = bytes[3];
        if (dimensions == 0)
        {
            throw new IdxFormatException($"{path}: offset 3: an IDX matrix needs at least one dimension; the header says 0");
        }

        var header = 4 + 4 * dimensions;
        if (bytes.Length < header)
        {
            throw new IdxFormatException($"{path}: offset {bytes.Length}: the file ends inside the header ({dimensions} sizes need {header} bytes)");
        }

        var sizes = new long[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            sizes[i] = BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (sizes[i] == 0)
            {
                throw new IdxFormatException($"{path}: offset {4 + 4 * i}: dimension {i} has size 0");
            }
        }

        return (type, size, header, sizes);
    }
}

/// <summary>An IDX file's values as a row-major float32 matrix.</summary>
/// <param name="Rows">The first dimension.</param>
/// <param name="Columns">The product of the other dimensions (1 for a vector such as a label file).</param>
/// <param name="Values">Row-major, <c>Rows * Columns</c> long.</param>
public sealed record IdxMatrix(int Rows, int Columns, float[] Values);

/// <summary>An IDX file is unreadable or malformed; the message names the file and the byte offset.</summary>
public sealed class IdxFormatException(string message, Exception? inner = null) : Exception(message, inner);
