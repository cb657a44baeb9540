namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// The state of particles FirstParticle .. FirstParticle + Count - 1 after <see cref="NextStep"/> steps:
/// per particle its edge and position (single precision, as stepped), or, once absorbed, its exit vertex
/// and exit time. Advancing a restored checkpoint continues each path exactly as an uninterrupted run would,
/// because the random numbers depend only on (seed, particle id, step, split).
/// </summary>
public sealed class EnsembleState
{
    /// <summary>The value of <see cref="ExitVertices"/> for a particle still on the graph.</summary>
    public const int Alive = -1;

    internal EnsembleState(long firstParticle, long nextStep, int[] edges, float[] positions, int[] exitVertices, long[] exitTicks)
    {
        FirstParticle = firstParticle;
        NextStep = nextStep;
        EdgeArray = edges;
        PositionArray = positions;
        ExitVertexArray = exitVertices;
        ExitTickArray = exitTicks;
    }

    /// <summary>The id of the first particle.</summary>
    public long FirstParticle { get; }

    /// <summary>Number of particles.</summary>
    public int Count => EdgeArray.Length;

    /// <summary>Steps taken so far; the next step advanced is step <see cref="NextStep"/> of the run.</summary>
    public long NextStep { get; internal set; }

    /// <summary>Per particle: its edge (the last one, for an absorbed particle).</summary>
    public ReadOnlySpan<int> Edges => EdgeArray;

    /// <summary>Per particle: its position on its edge.</summary>
    public ReadOnlySpan<float> Positions => PositionArray;

    /// <summary>Per particle: its exit vertex, or <see cref="Alive"/>.</summary>
    public ReadOnlySpan<int> ExitVertices => ExitVertexArray;

    /// <summary>Per particle: its exit time in ticks of dt / 2^20 (0 while alive); see <see cref="SamplingOptions.ExitTicksPerStepLog2"/>.</summary>
    public ReadOnlySpan<long> ExitTicks => ExitTickArray;

    /// <summary>Number of particles still on the graph.</summary>
    public int AliveCount => ExitVertexArray.Count(v => v == Alive);

    internal int[] EdgeArray { get; }

    internal float[] PositionArray { get; }

    internal int[] ExitVertexArray { get; }

    internal long[] ExitTickArray { get; }

    /// <summary>Rebuilds a state from a checkpoint (copies the spans). The sampler checks it against its graph before use.</summary>
    public static EnsembleState Restore(long firstParticle, long nextStep, ReadOnlySpan<int> edges, ReadOnlySpan<float> positions,
        ReadOnlySpan<int> exitVertices, ReadOnlySpan<long> exitTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstParticle);
        ArgumentOutOfRangeException.ThrowIfNegative(nextStep);
        if (positions.Length != edges.Length || exitVertices.Length != edges.Length || exitTicks.Length != edges.Length)
        {
            throw new ArgumentException($"checkpoint arrays differ in length: edges {edges.Length}, positions {positions.Length}, exit vertices {exitVertices.Length}, exit ticks {exitTicks.Length}");
        }

        return new EnsembleState(firstParticle, nextStep, edges.ToArray(), positions.ToArray(), exitVertices.ToArray(), exitTicks.ToArray());
    }
}
