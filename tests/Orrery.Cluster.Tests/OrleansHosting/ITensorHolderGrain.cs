using Orleans;
using Orleans.Runtime;
using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>A grain that puts and fetches tensors through its silo's tensor channel.</summary>
[Alias("orrery.tests.tensor-holder")]
public interface ITensorHolderGrain : IGrainWithStringKey
{
    /// <summary>Puts <paramref name="length"/> floats of a seeded pattern; 0 reads means any number.</summary>
    [Alias("put")]
    Task<TensorRef> PutAsync(int length, int seed, int maxReads);

    /// <summary>Fetches the tensor and returns the sum of its elements in float64, or the type name of the error.</summary>
    [Alias("fetch")]
    Task<string> FetchAsync(TensorRef tensor);

    /// <summary>True when a fetch of a tensor this grain put returns the very array it put (no copy on its own silo).</summary>
    [Alias("local-is-same")]
    Task<bool> LocalFetchIsTheStoredArrayAsync();

    /// <summary>The silo this activation runs on.</summary>
    [Alias("silo")]
    Task<SiloAddress> SiloAsync();
}
