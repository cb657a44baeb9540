using System.Runtime.InteropServices;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Grains;

/// <summary>
/// Converts between the sampler's types and the sampling grains' messages (SamplingMessages.cs): settings,
/// initial conditions, integer counts and checkpoints (the raw payload: per particle edge int32, position float32, exit vertex int32 and exit
/// ticks int64, each as one array, in that order: 20 bytes per particle).
/// </summary>
public static class SamplingWire
{
    /// <summary>Bytes per particle in a checkpoint.</summary>
    public const int CheckpointBytesPerParticle = 20;

    /// <summary>The settings of <paramref name="options"/> (seed, step, observables; not the local parallelism).</summary>
    public static SamplingSettings ToSettings(SamplingOptions options) => new()
    {
        Seed = options.Seed,
        TimeStep = options.TimeStep,
        Steps = options.Steps,
        MaxSplits = options.MaxSplits,
        BinsPerEdge = options.BinsPerEdge,
        SampleEvery = options.SampleEvery,
        WindowSteps = options.WindowSteps,
        ExitTimeBins = options.ExitTimeBins,
        ExitTimeSteps = options.ExitTimeSteps,
        TruncationWarningFraction = options.TruncationWarningFraction,
        Boundary = options.Boundary,
    };

    /// <summary>The sampler options of <paramref name="settings"/>, validated (<see cref="ArgumentException"/> names the bad one).</summary>
    public static SamplingOptions ToOptions(SamplingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new SamplingOptions
        {
            Seed = settings.Seed,
            TimeStep = settings.TimeStep,
            Steps = settings.Steps,
            MaxSplits = settings.MaxSplits,
            BinsPerEdge = settings.BinsPerEdge,
            SampleEvery = settings.SampleEvery,
            WindowSteps = settings.WindowSteps,
            ExitTimeBins = settings.ExitTimeBins,
            ExitTimeSteps = settings.ExitTimeSteps,
            TruncationWarningFraction = settings.TruncationWarningFraction,
            Boundary = settings.Boundary,
        };
        options.Validate();
        return options;
    }

    /// <summary>The initial condition a placement message describes, checked against <paramref name="graph"/>.</summary>
    public static InitialCondition ToInitialCondition(InitialPlacement placement, MetricGraph graph)
    {
        ArgumentNullException.ThrowIfNull(placement);
        var initial = placement.Kind switch
        {
            InitialKind.AtVertex => InitialCondition.AtVertex(placement.Vertex),
            InitialKind.AtPoint => InitialCondition.AtPoint(placement.Edge, placement.Position),
            InitialKind.FromSources => InitialCondition.FromSources(),
            InitialKind.UniformOnEdges => InitialCondition.UniformOnEdges(placement.EdgeMass),
            _ => throw new ArgumentException($"initial placement kind {placement.Kind} is not one of AT_VERTEX, AT_POINT, FROM_SOURCES, UNIFORM_ON_EDGES"),
        };
        initial.Validate(graph);
        return initial;
    }

    /// <summary>The counts of <paramref name="result"/>.</summary>
    public static SamplingCounts ToCounts(SamplingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new SamplingCounts
        {
            Particles = result.Particles,
            ParticleSteps = result.ParticleSteps,
            Splits = result.Splits,
            TruncatedSteps = result.TruncatedSteps,
            Exited = result.Exited,
            ExitTickSum = result.ExitTickSum,
            ExitTickSquareSum = result.ExitTickSquareSum,
            Occupation = result.Occupation.ToArray(),
            ExitCounts = result.ExitCounts.ToArray(),
            ExitTimeHistogram = result.ExitTimeHistogram.ToArray(),
        };
    }

    /// <summary>
    /// Rebuilds a result from its counts; <paramref name="options"/> and <paramref name="graph"/> give its shape.
    /// Throws <see cref="ArgumentException"/> when an array's size does not fit that shape.
    /// </summary>
    public static SamplingResult ToResult(SamplingCounts counts, SamplingOptions options, MetricGraph graph)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(graph);
        var total = new SamplingAccumulator(options.WindowCount, graph.EdgeCount, options.BinsPerEdge, graph.VertexCount, options.ExitTimeBins);
        ReadInt64s(counts.Occupation, total.Occupation, "occupation");
        ReadInt64s(counts.ExitCounts, total.ExitCounts, "exit counts");
        ReadInt64s(counts.ExitTimeHistogram, total.ExitTimeHistogram, "exit-time histogram");
        total.ParticleSteps = counts.ParticleSteps;
        total.Splits = counts.Splits;
        total.TruncatedSteps = counts.TruncatedSteps;
        total.Exited = counts.Exited;
        total.ExitTickSum = counts.ExitTickSum;
        total.ExitTickSquareSum = counts.ExitTickSquareSum;
        return new SamplingResult(options, graph.Lengths.ToArray(), graph.VertexCount, counts.Particles, total);
    }

    /// <summary>The checkpoint bytes of <paramref name="state"/> (its first particle and next step travel beside them).</summary>
    public static byte[] ToCheckpoint(EnsembleState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        RequireLittleEndian();
        var n = state.Count;
        var bytes = GC.AllocateUninitializedArray<byte>(checked(n * CheckpointBytesPerParticle));
        var span = bytes.AsSpan();
        MemoryMarshal.AsBytes(state.Edges).CopyTo(span);
        MemoryMarshal.AsBytes(state.Positions).CopyTo(span[(4 * n)..]);
        MemoryMarshal.AsBytes(state.ExitVertices).CopyTo(span[(8 * n)..]);
        MemoryMarshal.AsBytes(state.ExitTicks).CopyTo(span[(12 * n)..]);
        return bytes;
    }

    /// <summary>The state a checkpoint holds for particles <paramref name="firstParticle"/> .. + <paramref name="count"/> - 1.</summary>
    public static EnsembleState FromCheckpoint(ReadOnlySpan<byte> bytes, long firstParticle, int count, long nextStep)
    {
        RequireLittleEndian();
        if (bytes.Length != (long)count * CheckpointBytesPerParticle)
        {
            throw new ArgumentException($"a checkpoint of {count} particles has {(long)count * CheckpointBytesPerParticle} bytes; this one has {bytes.Length}");
        }

        var n = count;
        return EnsembleState.Restore(firstParticle, nextStep,
            MemoryMarshal.Cast<byte, int>(bytes[..(4 * n)]),
            MemoryMarshal.Cast<byte, float>(bytes.Slice(4 * n, 4 * n)),
            MemoryMarshal.Cast<byte, int>(bytes.Slice(8 * n, 4 * n)),
            MemoryMarshal.Cast<byte, long>(bytes.Slice(12 * n, 8 * n)));
    }

    private static void ReadInt64s(long[]? values, long[] into, string what)
    {
        values ??= [];
        if (values.Length != into.Length)
        {
            throw new ArgumentException($"sampling counts: {what} has {values.Length} values; the run's shape needs {into.Length}");
        }

        values.CopyTo(into, 0);
    }

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("sampling counts and checkpoints travel as little-endian arrays; this machine is big-endian");
        }
    }
}
