namespace Orrery.Compute;

/// <summary>The C type of one kernel argument.</summary>
internal enum KernelArgumentKind
{
    /// <summary>A device pointer (<c>T*</c>).</summary>
    Buffer,

    /// <summary><c>int</c>.</summary>
    Int32,

    /// <summary><c>unsigned int</c>.</summary>
    UInt32,

    /// <summary><c>long long</c>.</summary>
    Int64,

    /// <summary><c>unsigned long long</c>.</summary>
    UInt64,

    /// <summary><c>float</c>.</summary>
    Single,

    /// <summary><c>double</c>.</summary>
    Double,
}
