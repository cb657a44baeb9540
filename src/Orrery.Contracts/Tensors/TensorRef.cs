using Orleans;
using Orleans.Runtime;

namespace Orrery.Contracts.Tensors;

/// <summary>
/// A tensor held in one silo's tensor store, named by reference: the small value that travels inside an
/// ordinary Orleans message in place of the array (a 256 MiB block is 60-odd bytes here). The holder gets
/// the bytes from <see cref="Endpoint"/> over the tensor channel, or reads the stored array in place when
/// the owner is its own silo. A ref does not keep its tensor alive: the owner releases it explicitly, after
/// its last permitted read, or when its time to live runs out; a fetch after that fails with a typed error.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("orrery.tensors.ref")]
public sealed record TensorRef
{
    /// <summary>The owner's tensor channel, <c>host:port</c> as other members dial it.</summary>
    [Id(0)]
    public required string Endpoint { get; init; }

    /// <summary>The owner's channel generation; a process restarted on the same endpoint has another and does not answer for this ref.</summary>
    [Id(1)]
    public required long Generation { get; init; }

    /// <summary>The id of the tensor in the owner's store, unique per generation.</summary>
    [Id(2)]
    public required ulong Id { get; init; }

    /// <summary>The number of elements.</summary>
    [Id(3)]
    public required long Length { get; init; }

    /// <summary>The element type.</summary>
    [Id(4)]
    public required TensorElementType ElementType { get; init; }

    /// <summary>The owner silo in Orleans membership, or null when the owner is not a silo.</summary>
    [Id(5)]
    public SiloAddress? Owner { get; init; }

    /// <summary>The size of the tensor in bytes.</summary>
    public long ByteLength => Length * ElementSize(ElementType);

    /// <summary>The size of one element of <paramref name="type"/> in bytes.</summary>
    public static int ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.UInt8 => 1,
        TensorElementType.Float32 or TensorElementType.Int32 => 4,
        TensorElementType.Float64 or TensorElementType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown tensor element type"),
    };

    /// <summary>The element type that stores <typeparamref name="T"/>.</summary>
    public static TensorElementType ElementTypeOf<T>()
        where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorElementType.Float32
        : typeof(T) == typeof(double) ? TensorElementType.Float64
        : typeof(T) == typeof(int) ? TensorElementType.Int32
        : typeof(T) == typeof(long) ? TensorElementType.Int64
        : typeof(T) == typeof(byte) ? TensorElementType.UInt8
        : throw new NotSupportedException($"tensors of {typeof(T).Name} are not supported; use float, double, int, long or byte");

    /// <inheritdoc />
    public override string ToString() => $"tensor {Id:x} at {Endpoint} ({Length} x {ElementType})";
}
