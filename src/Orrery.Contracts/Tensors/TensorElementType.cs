namespace Orrery.Contracts.Tensors;

/// <summary>The element type of a tensor held in a silo's tensor store. Values are wire values: add, never renumber.</summary>
public enum TensorElementType
{
    /// <summary>Raw bytes.</summary>
    UInt8 = 0,

    /// <summary>IEEE 754 binary32.</summary>
    Float32 = 1,

    /// <summary>IEEE 754 binary64.</summary>
    Float64 = 2,

    /// <summary>Signed 32-bit integers.</summary>
    Int32 = 3,

    /// <summary>Signed 64-bit integers.</summary>
    Int64 = 4,
}
