using Orleans;
using Orleans.Runtime;
using Orrery.Contracts.Tensors;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <summary>
/// Reads a tensor held by a <see cref="ITensorSourceGrain"/> on another silo a number of times and times the reads
/// inside its own silo, so the benchmark client is not in the data path.
/// </summary>
[Alias("orrery.bench.tensor-reader")]
public interface ITensorReaderGrain : IGrainWithStringKey
{
    /// <summary>Fetches <paramref name="tensor"/> <paramref name="count"/> times over the tensor channel, <paramref name="inFlight"/> at once; returns the seconds taken.</summary>
    [Alias("fetch-by-ref")]
    Task<double> FetchByRefAsync(TensorRef tensor, int count, int inFlight);

    /// <summary>As <see cref="FetchByRefAsync"/>, each of the <paramref name="inFlight"/> readers into one array it reuses (<c>FetchIntoAsync</c>).</summary>
    [Alias("fetch-into-reused")]
    Task<double> FetchIntoReusedAsync(TensorRef tensor, int count, int inFlight);

    /// <summary>Calls <see cref="ITensorSourceGrain.ReadBytesAsync"/> on the source <paramref name="sourceKey"/> <paramref name="count"/> times, <paramref name="inFlight"/> at once; returns the seconds taken.</summary>
    [Alias("fetch-by-message")]
    Task<double> FetchByMessageAsync(string sourceKey, long expectedBytes, int count, int inFlight);

    /// <summary>The silo this activation runs on.</summary>
    [Alias("silo")]
    Task<SiloAddress> SiloAsync();
}
