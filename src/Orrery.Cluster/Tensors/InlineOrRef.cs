using Orrery.Contracts.Tensors;

namespace Orrery.Cluster.Tensors;

/// <summary>
/// How a workload's float arrays travel in its grain messages: inside the Orleans message up to an inline limit, and
/// above it as a <see cref="TensorRef"/> to the sender's tensor store (the message carries one of the two).
/// </summary>
public static class InlineOrRef
{
    /// <summary>
    /// <paramref name="values"/> inline when at most <paramref name="inlineLimitBytes"/> bytes, else put in
    /// <paramref name="tensors"/>' store with <paramref name="lifetime"/>. A put keeps the array itself: the caller must not
    /// change it afterwards.
    /// </summary>
    public static (float[]? Values, TensorRef? Tensor) Pack(TensorChannel tensors, float[] values, long inlineLimitBytes, TensorLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(values);
        return sizeof(float) * (long)values.Length <= inlineLimitBytes ? (values, null) : (null, tensors.Put(values, lifetime));
    }

    /// <summary>
    /// The floats a message carried: <paramref name="values"/>, or <paramref name="tensor"/> fetched from its owner (the
    /// stored array itself when the owner is this silo: read-only); <paramref name="neither"/> when it carried neither.
    /// Fetch errors are the channel's typed ones (<see cref="TensorOwnerUnavailableException"/>,
    /// <see cref="TensorNotFoundException"/>, <see cref="TimeoutException"/>).
    /// </summary>
    public static async Task<float[]> UnpackAsync(TensorChannel tensors, float[]? values, TensorRef? tensor, Func<Exception> neither, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(neither);
        if (values is not null)
        {
            return values;
        }

        return tensor is not null ? await tensors.FetchAsync<float>(tensor, cancellationToken).ConfigureAwait(false) : throw neither();
    }

    /// <summary>
    /// The floats a message carried, received in place: <paramref name="target"/> gives, for their count, the array and
    /// offset they go to (and refuses a wrong count before any byte moves); <paramref name="values"/> are copied there,
    /// <paramref name="tensor"/> is fetched straight into it (<see cref="TensorChannel.FetchIntoAsync{T}(TensorRef, T[], int, CancellationToken)"/>).
    /// Returns the count received; <paramref name="neither"/> when the message carried neither. Fetch errors as
    /// <see cref="UnpackAsync"/>.
    /// </summary>
    public static async Task<long> UnpackIntoAsync(
        TensorChannel tensors, float[]? values, TensorRef? tensor, Func<long, (float[] Array, int Offset)> target, Func<Exception> neither, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(neither);
        if (values is not null)
        {
            var (array, offset) = target(values.Length);
            values.CopyTo(array.AsSpan(offset));
            return values.Length;
        }

        if (tensor is null)
        {
            throw neither();
        }

        var (destination, at) = target(tensor.Length);
        await tensors.FetchIntoAsync(tensor, destination, at, cancellationToken).ConfigureAwait(false);
        return tensor.Length;
    }
}
