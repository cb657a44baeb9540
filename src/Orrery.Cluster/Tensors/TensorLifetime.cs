namespace Orrery.Cluster.Tensors;

/// <summary>
/// How long a stored tensor lives. It goes when its owner releases it, when it has been read
/// <see cref="MaxReads"/> times (a boundary block with one consumer: 1), or when <see cref="TimeToLive"/> has
/// passed since it was stored, whichever comes first.
/// </summary>
/// <param name="TimeToLive">Time from put to expiry; null for the store's <c>Tensors:DefaultTimeToLive</c>.</param>
/// <param name="MaxReads">Reads (local or remote) after which the tensor is released; 0 for any number.</param>
public readonly record struct TensorLifetime(TimeSpan? TimeToLive = null, int MaxReads = 0)
{
    /// <summary>The store's default time to live and any number of reads.</summary>
    public static TensorLifetime Default => default;

    /// <summary>Released after its first read (or on expiry, if nobody reads it).</summary>
    public static TensorLifetime ReadOnce => new(null, 1);
}
