using Orrery.Cluster.Tensors;
using Orrery.Contracts.Gcn;
using Orrery.Contracts.Tensors;

namespace Orrery.Gcn.Grains;

/// <summary>How a run's floats travel between its grains: inside the Orleans message up to the run's inline limit, above it by <see cref="TensorRef"/>.</summary>
internal static class GcnBlocks
{
    /// <summary>The coordinator's end of a block (weights to the parts, weight gradients from them).</summary>
    public const int Coordinator = -1;

    /// <summary>How long a put block waits in the store for its readers: far longer than one phase of an epoch.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(2);

    /// <summary>
    /// <paramref name="values"/> from <paramref name="from"/> to <paramref name="to"/>: inline when at most
    /// <paramref name="inlineLimit"/> bytes, else put in <paramref name="tensors"/>' store for <paramref name="reads"/> reads.
    /// A put keeps the array: the caller must not change it afterwards.
    /// </summary>
    public static GcnBlock Pack(TensorChannel tensors, float[] values, int inlineLimit, int from, int to, int reads = 1)
    {
        var (inline, tensor) = InlineOrRef.Pack(tensors, values, inlineLimit, new TensorLifetime(TimeToLive, reads));
        return new GcnBlock { From = from, To = to, Values = inline, Tensor = tensor };
    }

    /// <summary>Receives <paramref name="block"/> in place where <paramref name="target"/> says (<see cref="InlineOrRef.UnpackIntoAsync"/>); returns the floats received.</summary>
    public static Task<long> ReceiveAsync(TensorChannel tensors, GcnBlock block, Func<long, (float[] Array, int Offset)> target, CancellationToken cancellationToken) =>
        InlineOrRef.UnpackIntoAsync(tensors, block.Values, block.Tensor, target, () => Neither(block), cancellationToken);

    /// <summary>The floats of <paramref name="block"/>: its inline values, or fetched from the owner of its reference (its own silo's without a copy).</summary>
    public static Task<float[]> UnpackAsync(TensorChannel tensors, GcnBlock block, CancellationToken cancellationToken) =>
        InlineOrRef.UnpackAsync(
            tensors, block.Values, block.Tensor,
            () => Neither(block),
            cancellationToken);

    private static GcnRequestException Neither(GcnBlock block) =>
        new($"the block from {(block.From == Coordinator ? "the coordinator" : $"part {block.From}")} carries neither values nor a tensor reference");
}
