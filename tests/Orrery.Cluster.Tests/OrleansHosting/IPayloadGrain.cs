using Orleans;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>A grain that takes and gives byte arrays inside Orleans messages, to test the message size guard.</summary>
[Alias("orrery.tests.payload")]
public interface IPayloadGrain : IGrainWithIntegerKey
{
    /// <summary>Answers the length of <paramref name="data"/>.</summary>
    [Alias("take")]
    Task<int> TakeAsync(byte[] data);

    /// <summary>Answers an array of <paramref name="length"/> bytes.</summary>
    [Alias("give")]
    Task<byte[]> GiveAsync(int length);
}

/// <inheritdoc cref="IPayloadGrain" />
public sealed class PayloadGrain : Grain, IPayloadGrain
{
    /// <inheritdoc />
    public Task<int> TakeAsync(byte[] data) => Task.FromResult(data.Length);

    /// <inheritdoc />
    public Task<byte[]> GiveAsync(int length) => Task.FromResult(new byte[length]);
}
