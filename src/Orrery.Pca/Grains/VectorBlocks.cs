using Orrery.Cluster.Tensors;
using Orrery.Contracts.Pca;

namespace Orrery.Pca.Grains;

/// <summary>
/// Packs float32 vector blocks for a PCA message: inline up to the run's limit (<see cref="VectorBlock.DefaultInlineLimitBytes"/>
/// by default), in the sender's tensor store above it; and unpacks them on the other side. A stored block lives until
/// its last permitted read, an explicit release, or <see cref="TimeToLive"/>, whichever comes first.
/// </summary>
internal static class VectorBlocks
{
    /// <summary>How long a block waits in the store for its reader: far longer than any PCA call takes.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(2);

    /// <summary>The limit a request names, or the default when it names none.</summary>
    public static int InlineLimit(int requested) => requested > 0 ? requested : VectorBlock.DefaultInlineLimitBytes;

    /// <summary>True when <paramref name="floats"/> floats travel inside the message under <paramref name="limitBytes"/>.</summary>
    public static bool Inline(long floats, int limitBytes) => sizeof(float) * floats <= InlineLimit(limitBytes);

    /// <summary>
    /// <paramref name="values"/> inline, or put in <paramref name="tensors"/>' store for at most <paramref name="reads"/>
    /// reads. The store keeps the array itself: the caller must not write to it afterwards.
    /// </summary>
    public static VectorBlock Pack(TensorChannel tensors, float[] values, int limitBytes, int reads = 1)
    {
        var (inline, tensor) = InlineOrRef.Pack(tensors, values, InlineLimit(limitBytes), new TensorLifetime(TimeToLive, reads));
        return new VectorBlock { Values = inline, Tensor = tensor };
    }

    /// <summary>The floats of <paramref name="block"/> (<see cref="InlineOrRef.UnpackAsync"/>).</summary>
    public static Task<float[]> UnpackAsync(TensorChannel tensors, VectorBlock block, CancellationToken cancellationToken) =>
        InlineOrRef.UnpackAsync(tensors, block.Values, block.Tensor, () => new PcaRequestException("a vector block carries neither values nor a tensor reference"), cancellationToken);

    /// <summary>Frees a block this silo stored, when it did (no-op for inline blocks).</summary>
    public static async Task ReleaseAsync(TensorChannel tensors, VectorBlock block)
    {
        if (block.Tensor is { } tensor)
        {
            await tensors.ReleaseAsync(tensor, CancellationToken.None);
        }
    }
}
