namespace Orrery.Gcn.Data;

/// <summary>
/// The value type byte of a property map in graph-tool's <c>.gt</c> format (the type index of the format's table).
/// Scalars have a fixed size; strings, vectors and Python objects carry an 8-byte length first.
/// </summary>
public enum GraphToolValueType : byte
{
    /// <summary><c>bool</c>: 1 byte.</summary>
    Bool = 0x00,

    /// <summary><c>int16_t</c>: 2 bytes.</summary>
    Int16 = 0x01,

    /// <summary><c>int32_t</c>: 4 bytes.</summary>
    Int32 = 0x02,

    /// <summary><c>int64_t</c>: 8 bytes.</summary>
    Int64 = 0x03,

    /// <summary><c>double</c>: 8 bytes.</summary>
    Double = 0x04,

    /// <summary><c>long double</c>: 16 bytes (x87 extended precision, padded).</summary>
    LongDouble = 0x05,

    /// <summary><c>string</c>: 8-byte length, then that many bytes.</summary>
    String = 0x06,

    /// <summary><c>vector&lt;bool&gt;</c>: 8-byte length, then one byte per element.</summary>
    BoolVector = 0x07,

    /// <summary><c>vector&lt;int16_t&gt;</c>.</summary>
    Int16Vector = 0x08,

    /// <summary><c>vector&lt;int32_t&gt;</c>.</summary>
    Int32Vector = 0x09,

    /// <summary><c>vector&lt;int64_t&gt;</c>.</summary>
    Int64Vector = 0x0a,

    /// <summary><c>vector&lt;double&gt;</c>.</summary>
    DoubleVector = 0x0b,

    /// <summary><c>vector&lt;long double&gt;</c>: 16 bytes per element.</summary>
    LongDoubleVector = 0x0c,

    /// <summary><c>vector&lt;string&gt;</c>: 8-byte count, then each string with its own 8-byte length.</summary>
    StringVector = 0x0d,

    /// <summary><c>python::object</c>: a pickle, stored as a string.</summary>
    PythonObject = 0x0e,
}
