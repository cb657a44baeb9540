namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// Integer counts gathered by one worker thread. Every observable is a count or an exact integer sum,
/// so merging accumulators in any order gives the same bits: results do not depend on block size,
/// thread count or how particles are split into ensembles.
/// </summary>
internal sealed class SamplingAccumulator
{
    public SamplingAccumulator(int windowCount, int edgeCount, int binsPerEdge, int vertexCount, int exitTimeBins)
    {
        Occupation = new long[(long)windowCount * edgeCount * binsPerEdge];
        ExitCounts = new long[vertexCount];
        ExitTimeHistogram = new long[exitTimeBins + 1];
    }

    /// <summary>(window, edge, bin) counts of particle samples.</summary>
    public long[] Occupation { get; }

    /// <summary>Per vertex: particles absorbed there.</summary>
    public long[] ExitCounts { get; }

    /// <summary>Exit-time bins plus one overflow bin.</summary>
    public long[] ExitTimeHistogram { get; }

    public long ParticleSteps;
    public long Splits;
    public long TruncatedSteps;
    public long Exited;
    public UInt128 ExitTickSum;
    public UInt128 ExitTickSquareSum;

    public void RecordExit(int vertex, long ticks, long histogramTicks, int exitTimeBins)
    {
        ExitCounts[vertex]++;
        Exited++;
        var t = (UInt128)(ulong)ticks;
        ExitTickSum = checked(ExitTickSum + t);
        ExitTickSquareSum = checked(ExitTickSquareSum + t * t);
        var bin = ticks >= histogramTicks ? exitTimeBins : (int)((UInt128)(ulong)ticks * (uint)exitTimeBins / (ulong)histogramTicks);
        ExitTimeHistogram[bin]++;
    }

    public void Add(SamplingAccumulator other)
    {
        Add(Occupation, other.Occupation);
        Add(ExitCounts, other.ExitCounts);
        Add(ExitTimeHistogram, other.ExitTimeHistogram);
        ParticleSteps += other.ParticleSteps;
        Splits += other.Splits;
        TruncatedSteps += other.TruncatedSteps;
        Exited += other.Exited;
        ExitTickSum = checked(ExitTickSum + other.ExitTickSum);
        ExitTickSquareSum = checked(ExitTickSquareSum + other.ExitTickSquareSum);
    }

    private static void Add(long[] into, long[] from)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] += from[i];
        }
    }
}
