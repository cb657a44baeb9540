using Orleans;
using Orleans.Runtime;
using Orrery.Contracts.Tensors;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// Holds one tensor of the benchmark on its silo, twice: in the silo's tensor store (read by ref over the tensor
/// channel) and as a byte array of the same size (read inside an Orleans message), so both ways move the same bytes.
/// </summary>
[Alias("orrery.bench.tensor-source")]
public interface ITensorSourceGrain : IGrainWithStringKey
{
    /// <summary>Makes <paramref name="floats"/> random float32 elements, stores them for any number of reads and returns the ref.</summary>
    [Alias("put")]
    Task<TensorRef> PutAsync(int floats);

    /// <summary>The same bytes as the stored tensor, returned inside the Orleans response message.</summary>
    [Alias("read-bytes")]
    Task<byte[]> ReadBytesAsync();

    /// <summary>Drops the tensor from the store and the byte array.</summary>
    [Alias("release")]
    Task ReleaseAsync();

    /// <summary>The silo this activation runs on.</summary>
    [Alias("silo")]
    Task<SiloAddress> SiloAsync();
}
