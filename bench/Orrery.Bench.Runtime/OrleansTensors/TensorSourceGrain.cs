using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Tensors;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <inheritdoc cref="ITensorSourceGrain" />
[Reentrant]
public sealed class TensorSourceGrain(TensorChannel channel, ILocalSiloDetails silo) : Grain, ITensorSourceGrain
{
    // Longer than any run: the tensor goes when the benchmark releases it, not by expiry mid-run.
    private static readonly TensorLifetime UntilReleased = new(TimeSpan.FromHours(1), MaxReads: 0);

    private TensorRef? _tensor;
    private byte[] _bytes = [];

    public async Task<TensorRef> PutAsync(int floats)
    {
        await ReleaseAsync();
        var data = GC.AllocateUninitializedArray<float>(floats);
        var random = new Random(floats);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)random.NextDouble();
        }

        _bytes = GC.AllocateUninitializedArray<byte>(floats * sizeof(float));
        Buffer.BlockCopy(data, 0, _bytes, 0, _bytes.Length);
        _tensor = channel.Put(data, UntilReleased);
        return _tensor;
    }

    public Task<byte[]> ReadBytesAsync() => Task.FromResult(_bytes);

    public async Task ReleaseAsync()
    {
        if (_tensor is { } tensor)
        {
            _tensor = null;
            await channel.ReleaseAsync(tensor);
        }

        _bytes = [];
    }

    public Task<SiloAddress> SiloAsync() => Task.FromResult(silo.SiloAddress);
}
