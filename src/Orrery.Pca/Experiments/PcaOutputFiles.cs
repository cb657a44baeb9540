using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Orrery.Pca.Experiments;

/// <summary>Writers for the result files: NumPy .npy (float32, C order) and CSV.</summary>
public static class PcaOutputFiles
{
    /// <summary>Writes <paramref name="rows"/> (all the same length) as a 2-D little-endian float32 .npy array (format 1.0).</summary>
    public static void WriteNpy(string path, IReadOnlyList<float[]> rows)
    {
        var columns = rows.Count == 0 ? 0 : rows[0].Length;
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Count}, {columns}), }}";

        // Magic (6) + version (2) + length (2) + header + newline, padded with spaces to a multiple of 64.
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        foreach (var row in rows)
        {
            stream.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
    }

    /// <summary>Writes <paramref name="rows"/> as CSV with round-trip float formatting.</summary>
    public static void WriteCsv(string path, IReadOnlyList<float[]> rows)
    {
        using var writer = new StreamWriter(path);
        foreach (var row in rows)
        {
            writer.WriteLine(string.Join(",", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
    }
}
