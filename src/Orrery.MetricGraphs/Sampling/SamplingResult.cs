using System.Numerics;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// What a sampling run (or a part of one) observed, as integer counts and exact integer sums, so results
/// merge exactly: merging the results of several ensembles gives, bit for bit, the result of one run
/// over all their particles. Derived statistics (densities, fractions, mean exit time and its standard
/// error) are computed from the counts on demand.
/// <list type="bullet">
/// <item>Occupation: (window, edge, bin) counts of particle samples taken after every
/// <see cref="SampleEvery"/>-th step; bin b of edge e covers [b, b + 1) L_e / <see cref="BinsPerEdge"/>.</item>
/// <item>Exits: per absorbing vertex, an exit-time histogram over [0, <see cref="ExitTimeSteps"/> dt) with an
/// overflow bin, and the sums of exit ticks and squared ticks (a tick is dt / 2^20).</item>
/// <item>Work: particle-steps (steps begun by a particle on the graph), vertex crossings (splits), truncated steps.</item>
/// </list>
/// </summary>
public sealed class SamplingResult
{
    private readonly long[] _occupation;
    private readonly long[] _exitCounts;
    private readonly long[] _exitTimeHistogram;
    private readonly Shape _shape;

    internal SamplingResult(SamplingOptions options, float[] edgeLengths, int vertexCount, long particles, SamplingAccumulator counts)
        : this(new Shape(options.TimeStep, options.Steps, options.BinsPerEdge, options.SampleEvery, options.EffectiveWindowSteps, options.WindowCount,
            options.ExitTimeBins, options.EffectiveExitTimeSteps, options.TruncationWarningFraction, edgeLengths, vertexCount), particles, counts)
    {
    }

    private SamplingResult(Shape shape, long particles, SamplingAccumulator counts)
    {
        _shape = shape;
        Particles = particles;
        ParticleSteps = counts.ParticleSteps;
        Splits = counts.Splits;
        TruncatedSteps = counts.TruncatedSteps;
        Exited = counts.Exited;
        ExitTickSum = counts.ExitTickSum;
        ExitTickSquareSum = counts.ExitTickSquareSum;
        _occupation = counts.Occupation;
        _exitCounts = counts.ExitCounts;
        _exitTimeHistogram = counts.ExitTimeHistogram;
    }

    /// <summary>dt.</summary>
    public float TimeStep => _shape.TimeStep;

    /// <summary>Steps in the run.</summary>
    public long Steps => _shape.Steps;

    /// <summary>Occupation bins per edge.</summary>
    public int BinsPerEdge => _shape.BinsPerEdge;

    /// <summary>Steps between occupation samples.</summary>
    public long SampleEvery => _shape.SampleEvery;

    /// <summary>Steps per occupation window.</summary>
    public long WindowSteps => _shape.WindowSteps;

    /// <summary>Number of occupation windows.</summary>
    public int WindowCount => _shape.WindowCount;

    /// <summary>Exit-time histogram bins (without the overflow bin).</summary>
    public int ExitTimeBins => _shape.ExitTimeBins;

    /// <summary>The exit-time histogram's range in steps.</summary>
    public long ExitTimeSteps => _shape.ExitTimeSteps;

    /// <summary>The truncation fraction above which <see cref="TruncationWarning"/> is set.</summary>
    public double TruncationWarningFraction => _shape.TruncationWarningFraction;

    /// <summary>Number of edges.</summary>
    public int EdgeCount => _shape.EdgeLengths.Length;

    /// <summary>Number of vertices.</summary>
    public int VertexCount => _shape.VertexCount;

    /// <summary>Per edge: L_e as sampled (single precision).</summary>
    public ReadOnlySpan<float> EdgeLengths => _shape.EdgeLengths;

    /// <summary>Particles whose run from step 0 this result covers (a later segment of an advanced ensemble adds none).</summary>
    public long Particles { get; }

    /// <summary>Steps begun by particles on the graph.</summary>
    public long ParticleSteps { get; }

    /// <summary>Vertex crossings (each split of a step at a vertex).</summary>
    public long Splits { get; }

    /// <summary>Steps stopped at <see cref="SamplingOptions.MaxSplits"/> crossings with time left over.</summary>
    public long TruncatedSteps { get; }

    /// <summary>Particles absorbed.</summary>
    public long Exited { get; }

    /// <summary>Sum of the exit times in ticks (dt / 2^20).</summary>
    public UInt128 ExitTickSum { get; }

    /// <summary>Sum of the squared exit times in ticks^2.</summary>
    public UInt128 ExitTickSquareSum { get; }

    /// <summary>(window, edge, bin) sample counts, window-major: index (w * EdgeCount + e) * BinsPerEdge + b.</summary>
    public ReadOnlySpan<long> Occupation => _occupation;

    /// <summary>Per vertex: particles absorbed there (0 for vertices that are not absorbing).</summary>
    public ReadOnlySpan<long> ExitCounts => _exitCounts;

    /// <summary>Exit-time counts: bin i covers [i, i + 1) x ExitTimeSteps dt / ExitTimeBins; the last entry counts later exits.</summary>
    public ReadOnlySpan<long> ExitTimeHistogram => _exitTimeHistogram;

    /// <summary>Truncated steps per particle-step.</summary>
    public double TruncationFraction => ParticleSteps == 0 ? 0 : (double)TruncatedSteps / ParticleSteps;

    /// <summary>A warning when <see cref="TruncationFraction"/> exceeds <see cref="TruncationWarningFraction"/>, else null.</summary>
    public string? TruncationWarning => TruncationFraction > TruncationWarningFraction
        ? $"{TruncatedSteps} of {ParticleSteps} steps ({TruncationFraction:0.###e0}) stopped at MaxSplits crossings with time left over; raise MaxSplits or lower the time step"
        : null;

    /// <summary>One exit-time tick, dt / 2^20, in time units.</summary>
    public double ExitTick => (double)TimeStep / (1 << SamplingOptions.ExitTicksPerStepLog2);

    /// <summary>Mean exit time of the absorbed particles (NaN if none).</summary>
    public double MeanExitTime => Exited == 0 ? double.NaN : (double)ExitTickSum / Exited * ExitTick;

    /// <summary>Sample variance of the absorbed particles' exit times (computed exactly from the integer sums; NaN below 2 exits).</summary>
    public double ExitTimeVariance
    {
        get
        {
            if (Exited < 2)
            {
                return double.NaN;
            }

            BigInteger n = Exited, s1 = ExitTickSum, s2 = ExitTickSquareSum;
            var numerator = n * s2 - s1 * s1;
            return (double)numerator / ((double)Exited * (Exited - 1)) * ExitTick * ExitTick;
        }
    }

    /// <summary>Standard error of <see cref="MeanExitTime"/>: sqrt(variance / exits).</summary>
    public double MeanExitTimeStandardError => Math.Sqrt(ExitTimeVariance / Exited);

    /// <summary>The fraction of all particles absorbed at <paramref name="vertex"/>.</summary>
    public double ExitFraction(int vertex) => Particles == 0 ? double.NaN : (double)_exitCounts[vertex] / Particles;

    /// <summary>The sample counts of <paramref name="window"/>: (edge, bin), edge-major.</summary>
    public ReadOnlySpan<long> WindowOccupation(int window) =>
        _occupation.AsSpan(window * EdgeCount * BinsPerEdge, EdgeCount * BinsPerEdge);

    /// <summary>All samples in <paramref name="window"/> (particles on the graph, summed over the sample times).</summary>
    public long Samples(int window)
    {
        long total = 0;
        foreach (var count in WindowOccupation(window))
        {
            total += count;
        }

        return total;
    }

    /// <summary>Samples on <paramref name="edge"/> in <paramref name="window"/>.</summary>
    public long EdgeSamples(int window, int edge)
    {
        long total = 0;
        foreach (var count in WindowOccupation(window).Slice(edge * BinsPerEdge, BinsPerEdge))
        {
            total += count;
        }

        return total;
    }

    /// <summary>The fraction of the window's samples on <paramref name="edge"/> (the occupation of the edge among particles still on the graph).</summary>
    public double OccupationFraction(int window, int edge) => (double)EdgeSamples(window, edge) / Samples(window);

    /// <summary>
    /// The density estimate p_e(x) of <paramref name="window"/>, normalised over the whole graph
    /// (sum over edges and bins of p times the bin width is 1): (edge, bin), edge-major.
    /// </summary>
    public double[] Density(int window)
    {
        var samples = (double)Samples(window);
        var counts = WindowOccupation(window);
        var density = new double[counts.Length];
        for (var e = 0; e < EdgeCount; e++)
        {
            var binWidth = (double)_shape.EdgeLengths[e] / BinsPerEdge;
            for (var b = 0; b < BinsPerEdge; b++)
            {
                density[e * BinsPerEdge + b] = counts[e * BinsPerEdge + b] / (samples * binWidth);
            }
        }

        return density;
    }

    /// <summary>The merged result of several parts (ensembles, or successive segments of the same ensembles).</summary>
    /// <exception cref="ArgumentException">The parts were recorded with different settings; the message names the first difference.</exception>
    public static SamplingResult Merge(IEnumerable<SamplingResult> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        SamplingResult? first = null;
        SamplingAccumulator? total = null;
        long particles = 0;
        foreach (var part in parts)
        {
            if (first is null)
            {
                first = part;
                total = new SamplingAccumulator(part.WindowCount, part.EdgeCount, part.BinsPerEdge, part.VertexCount, part.ExitTimeBins);
            }
            else
            {
                first.CheckCompatible(part);
            }

            part.AddTo(total!);
            particles += part.Particles;
        }

        return first is null ? throw new ArgumentException("nothing to merge", nameof(parts)) : new SamplingResult(first._shape, particles, total!);
    }

    /// <summary>This result merged with <paramref name="other"/>.</summary>
    public SamplingResult Merge(SamplingResult other) => Merge([this, other]);

    /// <summary>True if every count and setting equals <paramref name="other"/>'s, bit for bit.</summary>
    public bool IsIdenticalTo(SamplingResult other) =>
        _shape.SameAs(other._shape)
        && Particles == other.Particles && ParticleSteps == other.ParticleSteps && Splits == other.Splits && TruncatedSteps == other.TruncatedSteps
        && Exited == other.Exited && ExitTickSum == other.ExitTickSum && ExitTickSquareSum == other.ExitTickSquareSum
        && _occupation.AsSpan().SequenceEqual(other._occupation) && _exitCounts.AsSpan().SequenceEqual(other._exitCounts)
        && _exitTimeHistogram.AsSpan().SequenceEqual(other._exitTimeHistogram);

    private void CheckCompatible(SamplingResult other)
    {
        Require(TimeStep.Equals(other.TimeStep), "TimeStep", TimeStep, other.TimeStep);
        Require(Steps == other.Steps, "Steps", Steps, other.Steps);
        Require(BinsPerEdge == other.BinsPerEdge, "BinsPerEdge", BinsPerEdge, other.BinsPerEdge);
        Require(SampleEvery == other.SampleEvery, "SampleEvery", SampleEvery, other.SampleEvery);
        Require(WindowSteps == other.WindowSteps, "WindowSteps", WindowSteps, other.WindowSteps);
        Require(ExitTimeBins == other.ExitTimeBins, "ExitTimeBins", ExitTimeBins, other.ExitTimeBins);
        Require(ExitTimeSteps == other.ExitTimeSteps, "ExitTimeSteps", ExitTimeSteps, other.ExitTimeSteps);
        Require(VertexCount == other.VertexCount, "vertex count", VertexCount, other.VertexCount);
        Require(EdgeLengths.SequenceEqual(other.EdgeLengths), "edge lengths", "graph A", "graph B");
    }

    private static void Require(bool same, string what, object mine, object theirs)
    {
        if (!same)
        {
            throw new ArgumentException($"cannot merge sampling results with different {what}: {mine} and {theirs}");
        }
    }

    private void AddTo(SamplingAccumulator total)
    {
        for (var i = 0; i < _occupation.Length; i++)
        {
            total.Occupation[i] += _occupation[i];
        }

        for (var i = 0; i < _exitCounts.Length; i++)
        {
            total.ExitCounts[i] += _exitCounts[i];
        }

        for (var i = 0; i < _exitTimeHistogram.Length; i++)
        {
            total.ExitTimeHistogram[i] += _exitTimeHistogram[i];
        }

        total.ParticleSteps += ParticleSteps;
        total.Splits += Splits;
        total.TruncatedSteps += TruncatedSteps;
        total.Exited += Exited;
        total.ExitTickSum = checked(total.ExitTickSum + ExitTickSum);
        total.ExitTickSquareSum = checked(total.ExitTickSquareSum + ExitTickSquareSum);
    }

    /// <summary>The settings a result was recorded with; results merge only when these agree.</summary>
    private sealed record Shape(float TimeStep, long Steps, int BinsPerEdge, long SampleEvery, long WindowSteps, int WindowCount, int ExitTimeBins,
        long ExitTimeSteps, double TruncationWarningFraction, float[] EdgeLengths, int VertexCount)
    {
        public bool SameAs(Shape other) =>
            TimeStep.Equals(other.TimeStep) && Steps == other.Steps && BinsPerEdge == other.BinsPerEdge && SampleEvery == other.SampleEvery
            && WindowSteps == other.WindowSteps && ExitTimeBins == other.ExitTimeBins && ExitTimeSteps == other.ExitTimeSteps
            && VertexCount == other.VertexCount && EdgeLengths.AsSpan().SequenceEqual(other.EdgeLengths);
    }
}
