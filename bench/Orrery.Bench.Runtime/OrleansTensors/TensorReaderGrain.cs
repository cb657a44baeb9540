using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Tensors;
using Orrery.Contracts.Tensors;

namespace Orrery.Bench.Runtime.OrleansTensors;

/// <inheritdoc cref="ITensorReaderGrain" />
public sealed class TensorReaderGrain(TensorChannel channel, ILocalSiloDetails silo) : Grain, ITensorReaderGrain
{
    // Destination arrays by tensor length, allocated (and their pages touched) once per activation; at most this many reads in flight.
    private const int ReusedPerLength = 8;

    private readonly Dictionary<long, List<float[]>> _reused = [];
    private long _nextBuffer;

    public Task<double> FetchByRefAsync(TensorRef tensor, int count, int inFlight) =>
        TimeAsync(count, inFlight, async () =>
        {
            // data: (length,) float32, received straight into a new array by the channel.
            var data = await channel.FetchAsync<float>(tensor);
            return (long)data.Length * sizeof(float);
        }, tensor.ByteLength);

    public Task<double> FetchIntoReusedAsync(TensorRef tensor, int count, int inFlight)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inFlight, ReusedPerLength);
        return TimeAsync(count, inFlight, async () =>
        {
            // data: (length,) float32, received into one of the activation's arrays for this length, reused across runs
            // as a training loop reuses its halo buffers (activation turns interleave, so the round robin needs no lock).
            await channel.FetchIntoAsync(tensor, Buffer(tensor.Length));
            return tensor.ByteLength;
        }, tensor.ByteLength);
    }

    public Task<double> FetchByMessageAsync(string sourceKey, long expectedBytes, int count, int inFlight)
    {
        var source = GrainFactory.GetGrain<ITensorSourceGrain>(sourceKey);
        return TimeAsync(count, inFlight, async () => (await source.ReadBytesAsync()).LongLength, expectedBytes);
    }

    public Task<SiloAddress> SiloAsync() => Task.FromResult(silo.SiloAddress);

    private float[] Buffer(long length)
    {
        if (!_reused.TryGetValue(length, out var list))
        {
            list = [.. Enumerable.Range(0, ReusedPerLength).Select(_ => new float[length])];
            _reused[length] = list;
        }

        return list[(int)(Interlocked.Increment(ref _nextBuffer) % list.Count)];
    }

    /// <summary>Runs <paramref name="count"/> reads, <paramref name="inFlight"/> at a time, each checked for its length; the seconds from the first start to the last end.</summary>
    private static async Task<double> TimeAsync(int count, int inFlight, Func<Task<long>> read, long expectedBytes)
    {
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                var bytes = await read();
                if (bytes != expectedBytes)
                {
                    throw new InvalidOperationException($"a read returned {bytes} bytes; {expectedBytes} were expected");
                }
            }
        }));
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
