using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <inheritdoc cref="ITensorHolderGrain" />
public sealed class TensorHolderGrain(TensorChannel channel, ILocalSiloDetails silo) : Grain, ITensorHolderGrain
{
    public Task<TensorRef> PutAsync(int length, int seed, int maxReads) =>
        Task.FromResult(channel.Put(Pattern(length, seed), new TensorLifetime(MaxReads: maxReads)));

    public async Task<string> FetchAsync(TensorRef tensor)
    {
        try
        {
            var data = await channel.FetchAsync<float>(tensor);
            return Sum(data).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (TensorChannelException e)
        {
            return e.GetType().Name;
        }
    }

    public async Task<bool> LocalFetchIsTheStoredArrayAsync()
    {
        var data = Pattern(1000, 1);
        return ReferenceEquals(data, await channel.FetchAsync<float>(channel.Put(data)));
    }

    public Task<SiloAddress> SiloAsync() => Task.FromResult(silo.SiloAddress);

    /// <summary>The elements <see cref="PutAsync"/> stores.</summary>
    public static float[] Pattern(int length, int seed)
    {
        var data = new float[length];
        var random = new Random(seed);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)random.NextDouble();
        }

        return data;
    }

    /// <summary>Their sum in float64, the checksum <see cref="FetchAsync"/> reports.</summary>
    public static double Sum(float[] data)
    {
        var sum = 0.0;
        foreach (var x in data)
        {
            sum += x;
        }

        return sum;
    }
}
