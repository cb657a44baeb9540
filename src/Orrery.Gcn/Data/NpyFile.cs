using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Orrery.Gcn.Data;

/// <summary>
/// NumPy's .npy format, version 1.0 and 2.0: a magic string, a little header dictionary (dtype, order, shape), then
/// the elements. Reads little-endian float32/float64/int32/int64/uint8 in C order as double; writes float32 and int32.
/// </summary>
public static partial class NpyFile
{
    // Byte 0x93 then "NUMPY" (a u8 string literal would encode U+0093 as two bytes).
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes a float32 array of <paramref name="shape"/>.</summary>
    public static void Write(string path, ReadOnlySpan<float> values, params int[] shape) => Write(path, "<f4", System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), values.Length, shape);

    /// <summary>Writes an int32 array of <paramref name="shape"/>.</summary>
    public static void Write(string path, ReadOnlySpan<int> values, params int[] shape) => Write(path, "<i4", System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), values.Length, shape);

    /// <summary>Reads an array as doubles with its shape; errors name the file and the byte offset.</summary>
    public static (double[] Values, int[] Shape) Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new GcnDataException($"{path}: cannot read ({e.Message})");
        }

        var (headerStart, headerLength) = HeaderExtent(path, bytes);
        var (type, size, shape) = ParseHeader(path, Encoding.Latin1.GetString(bytes, headerStart, headerLength), headerStart);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var dataStart = headerStart + headerLength;
        if (bytes.Length - dataStart != count * size)
        {
            throw new GcnDataException($"{path}: offset {dataStart}: shape ({string.Join(", ", shape)}) of {type} needs {count * size} bytes of data; the file has {bytes.Length - dataStart}");
        }

        return (Decode(path, bytes.AsSpan(dataStart), type, size, count, dataStart), shape);
    }

    /// <summary>Where the header starts and how long it is, from the magic string and the version's length field.</summary>
    private static (int Start, int Length) HeaderExtent(string path, byte[] bytes)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new GcnDataException($"{path}: offset 0: not a .npy file (it must start with \\x93NUMPY)");
        }

        int major = bytes[6], headerStart;
        long headerLength;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            headerStart = 10;
        }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12)
            {
                throw new GcnDataException($"{path}: offset 8: header length cut off");
            }

            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
            headerStart = 12;
        }
        else
        {
            throw new GcnDataException($"{path}: offset 6: .npy version {major} is not supported (1, 2 or 3)");
        }

        if (headerStart + headerLength > bytes.Length)
        {
            throw new GcnDataException($"{path}: offset {headerStart}: header of {headerLength} bytes runs past the end of the file ({bytes.Length} bytes)");
        }

        return (headerStart, (int)headerLength);
    }

    /// <summary>The header dictionary's dtype (and its element size) and shape; <paramref name="offset"/> locates errors.</summary>
    private static (string Type, int Size, int[] Shape) ParseHeader(string path, string header, int offset)
    {
        var descr = DescrPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !shapeMatch.Success)
        {
            throw new GcnDataException($"{path}: offset {offset}: header '{header.Trim()}' lacks 'descr' or 'shape'");
        }

        if (FortranPattern().IsMatch(header))
        {
            throw new GcnDataException($"{path}: offset {offset}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
        }

        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var type = descr.Groups[1].Value;
        var size = type switch
        {
            "<f4" or "<i4" => 4,
            "<f8" or "<i8" => 8,
            "|u1" or "|i1" or "|b1" => 1,
            _ => throw new GcnDataException($"{path}: offset {offset}: dtype '{type}' is not supported (little-endian float32, float64, int32, int64 or uint8)"),
        };
        return (type, size, shape);
    }

    /// <summary>The <paramref name="count"/> elements of <paramref name="data"/> as doubles; a non-finite one is refused with its offset.</summary>
    private static double[] Decode(string path, ReadOnlySpan<byte> data, string type, int size, long count, int dataStart)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var element = data.Slice(i * size, size);
            values[i] = type switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(element),
                "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(element),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(element),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(element),
                "|i1" => (sbyte)element[0],
                _ => element[0],
            };
            if (!double.IsFinite(values[i]))
            {
                throw new GcnDataException($"{path}: offset {dataStart + (i * size)}: element {i} is {values[i]}; values must be finite");
            }
        }

        return values;
    }

    private static void Write(string path, string type, ReadOnlySpan<byte> data, int count, int[] shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != count)
        {
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) does not hold {count} values");
        }

        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var header = $"{{'descr': '{type}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Pad so that the data starts on a 64-byte boundary, as NumPy does; the header ends in a newline.
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(data);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranPattern();
}
