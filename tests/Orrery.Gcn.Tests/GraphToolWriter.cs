using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Orrery.Gcn.Data;

namespace Orrery.Gcn.Tests;

/// <summary>
/// Writes small <c>.gt</c> files for the reader's tests, following graph-tool's format description independently of
/// the reader: every value type, either byte order, plain or gzip-compressed.
/// </summary>
internal sealed class GraphToolWriter(int nodes, bool directed = false, bool bigEndian = false)
{
    private readonly List<(int Source, int Target)> _edges = [];
    private readonly List<(GraphToolPropertyKind Kind, string Name, GraphToolValueType Type, object[] Values)> _maps = [];

    public int Nodes => nodes;

    /// <summary>Index width in bytes: the smallest unsigned type whose maximum is at least the node count.</summary>
    public int Width => nodes <= byte.MaxValue ? 1 : nodes <= ushort.MaxValue ? 2 : 4;

    public int EdgeCount => _edges.Count;

    public GraphToolWriter Edge(int source, int target)
    {
        _edges.Add((source, target));
        return this;
    }

    /// <summary>Values: long for bool and integers, double, byte[16] for long double, string, arrays for vectors.</summary>
    public GraphToolWriter Map(GraphToolPropertyKind kind, string name, GraphToolValueType type, params object[] values)
    {
        _maps.Add((kind, name, type, values));
        return this;
    }

    public byte[] Bytes(string comment = "written by Orrery's tests")
    {
        var s = new MemoryStream();
        s.Write([0xe2, 0x9b, 0xbe, 0x20, 0x67, 0x74, 1, (byte)(bigEndian ? 1 : 0)]);
        String(s, comment);
        s.WriteByte((byte)(directed ? 1 : 0));
        U64(s, (ulong)nodes);
        for (var v = 0; v < nodes; v++)
        {
            var row = _edges.Where(e => e.Source == v).Select(e => e.Target).ToArray();
            U64(s, (ulong)row.Length);
            foreach (var u in row)
            {
                Number(s, (ulong)u, Width);
            }
        }

        U64(s, (ulong)_maps.Count);
        foreach (var (kind, name, type, values) in _maps)
        {
            s.WriteByte((byte)kind);
            String(s, name);
            s.WriteByte((byte)type);
            foreach (var value in values)
            {
                Value(s, type, value);
            }
        }

        return s.ToArray();
    }

    public string Write(string path, bool gzip = false)
    {
        var bytes = Bytes();
        if (gzip)
        {
            using var file = File.Create(path);
            using var compressed = new GZipStream(file, CompressionLevel.Fastest);
            compressed.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }

        return path;
    }

    private void Value(MemoryStream s, GraphToolValueType type, object value)
    {
        switch (type)
        {
            case GraphToolValueType.Bool:
                s.WriteByte((byte)(long)value);
                break;
            case GraphToolValueType.Int16:
                Number(s, (ulong)(long)value, 2);
                break;
            case GraphToolValueType.Int32:
                Number(s, (ulong)(long)value, 4);
                break;
            case GraphToolValueType.Int64:
                Number(s, (ulong)(long)value, 8);
                break;
            case GraphToolValueType.Double:
                Number(s, (ulong)BitConverter.DoubleToInt64Bits((double)value), 8);
                break;
            case GraphToolValueType.LongDouble:
                s.Write((byte[])value);
                break;
            case GraphToolValueType.String or GraphToolValueType.PythonObject:
                String(s, (string)value);
                break;
            case GraphToolValueType.StringVector:
                var strings = (string[])value;
                U64(s, (ulong)strings.Length);
                foreach (var x in strings)
                {
                    String(s, x);
                }

                break;
            case GraphToolValueType.LongDoubleVector:
                var raw = (byte[][])value;
                U64(s, (ulong)raw.Length);
                foreach (var x in raw)
                {
                    s.Write(x);
                }

                break;
            default:
                var element = (GraphToolValueType)(type - GraphToolValueType.BoolVector);
                var items = (Array)value;
                U64(s, (ulong)items.Length);
                foreach (var x in items)
                {
                    Value(s, element, x);
                }

                break;
        }
    }

    private void String(MemoryStream s, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        U64(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private void U64(MemoryStream s, ulong value) => Number(s, value, 8);

    private void Number(MemoryStream s, ulong value, int size)
    {
        Span<byte> buffer = stackalloc byte[8];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt64BigEndian(buffer, value);
            s.Write(buffer[(8 - size)..]);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
            s.Write(buffer[..size]);
        }
    }
}
