namespace Orrery.Gcn.Training;

/// <summary>
/// One layer's exchanged rows on the receiving side: <see cref="Pending"/> is where arriving blocks land,
/// <see cref="Current"/> is what the computation reads. <see cref="Commit"/> moves pending into current: right after
/// the exchange in vanilla mode, at the end of the iteration in pipelined mode (so the computation reads last
/// iteration's rows), and as a moving average current ← γ current + (1 − γ) pending when smoothed.
/// </summary>
internal sealed class HaloSlot
{
    private bool _seeded;

    public HaloSlot(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        Current = new float[rows * columns];
        Pending = new float[rows * columns];
    }

    public int Rows { get; }

    public int Columns { get; }

    public float[] Current { get; }

    public float[] Pending { get; }

    /// <summary>
    /// Current ← pending, or the moving average with <paramref name="gamma"/> when <paramref name="smooth"/>. The
    /// average starts at the first block received rather than at zeros, so early iterations are not pulled to 0 by
    /// a (1 − γ)^t bias (γ = 0.95 would need about 60 iterations to shed it).
    /// </summary>
    public void Commit(bool smooth, float gamma)
    {
        if (!smooth || !_seeded)
        {
            Pending.AsSpan().CopyTo(Current);
            _seeded = true;
            return;
        }

        var current = Current.AsSpan();
        ReadOnlySpan<float> pending = Pending;
        for (var i = 0; i < current.Length; i++)
        {
            current[i] = gamma * current[i] + (1f - gamma) * pending[i];
        }
    }
}
