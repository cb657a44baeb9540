using Orrery.Compute;
using Orrery.MetricGraphs.Graphs;
using static Orrery.Compute.DeviceBuffers;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// The metric-graph sampler on a GPU: the host side of <c>kernels/metric_graph.cu</c>, which runs the CPU
/// sampler's arithmetic on the same Philox streams (<see cref="ParticleRandom"/>), so a particle's path,
/// the ensemble's state and every observable are the same bits as <see cref="MetricGraphSampler"/>'s.
/// Each <see cref="Advance"/> uploads the graph's tables and the ensemble's state, launches the kernel over
/// chunks of at most <see cref="StepsPerLaunch"/> steps (each thread keeps its particle in registers for
/// the whole chunk), and downloads the state and the integer counts. Nothing stays on the device between
/// calls, so the sampler holds no device memory and needs no disposal. Initial placement is the CPU
/// sampler's (it depends on the seed and the particle ids only), so checkpoints of either sampler
/// continue on the other.
/// </summary>
public sealed class CudaMetricGraphSampler : IParticleSampler
{
    /// <summary>The kernel: <c>kernels/metric_graph.cu</c>, <c>metric_graph_advance</c>.</summary>
    public static readonly KernelName Kernel = new("metric_graph", "metric_graph_advance");

    /// <summary>Threads per block, the kernel's <c>MG_THREADS</c> (its <c>__launch_bounds__</c>).</summary>
    public const int ThreadsPerBlock = 256;

    /// <summary>The default of <see cref="StepsPerLaunch"/>: 1000 steps keep a launch of 10^8 particles near a second on an H100.</summary>
    public const int DefaultStepsPerLaunch = 1000;

    /// <summary>
    /// The largest per-block shared-memory occupation histogram, in bytes: 47 KB, inside the 48 KB of shared
    /// memory (static and dynamic together) a block gets without an opt-in, beside the kernel's 24 B of
    /// static counters. Larger histograms (edges x bins above 12,032) are counted in global memory directly.
    /// </summary>
    public const int BlockHistogramLimitBytes = 47 * 1024;

    /// <summary>
    /// Block histogram counts are 32-bit: a block adds at most <see cref="ThreadsPerBlock"/> samples per step
    /// of a launch, so a launch may take at most 2^32 / 256 - 1 steps.
    /// </summary>
    private const long MaxStepsPerLaunch = (1L << 32) / ThreadsPerBlock - 1;

    private const int Totals = 8;

    private readonly IComputeDevice _device;
    private readonly SamplerLayout _layout;

    /// <summary>
    /// A sampler for <paramref name="graph"/> on <paramref name="device"/>, launching at most
    /// <paramref name="stepsPerLaunch"/> steps at a time (default <see cref="DefaultStepsPerLaunch"/>;
    /// results do not depend on it). Validates <paramref name="options"/>.
    /// </summary>
    public CudaMetricGraphSampler(IComputeDevice device, MetricGraph graph, SamplingOptions options, int stepsPerLaunch = DefaultStepsPerLaunch)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerLaunch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stepsPerLaunch, MaxStepsPerLaunch);
        options.Validate();
        _device = device;
        Graph = graph;
        Options = options;
        StepsPerLaunch = stepsPerLaunch;
        _layout = new SamplerLayout(graph, options);
    }

    /// <summary>The device the kernel runs on.</summary>
    public IComputeDevice Device => _device;

    /// <summary>The graph sampled.</summary>
    public MetricGraph Graph { get; }

    /// <summary>The run's settings.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Steps per kernel launch at most (launches also end at occupation-window boundaries).</summary>
    public int StepsPerLaunch { get; }

    /// <summary>True when one window's occupation histogram fits in a block's shared memory (<see cref="BlockHistogramLimitBytes"/>).</summary>
    public bool UsesBlockHistogram => (long)Graph.EdgeCount * Options.BinsPerEdge * sizeof(uint) <= BlockHistogramLimitBytes;

    /// <summary>Places particles <paramref name="firstParticle"/> .. + <paramref name="count"/> - 1 at step 0, exactly as the CPU sampler does.</summary>
    public EnsembleState CreateEnsemble(long firstParticle, int count, InitialCondition initial) =>
        MetricGraphSampler.PlaceEnsemble(Graph, Options, firstParticle, count, initial);

    /// <summary>
    /// Advances <paramref name="state"/> by <paramref name="steps"/> steps (not past <see cref="SamplingOptions.Steps"/>)
    /// on the device and returns what those steps observed; the same bits as <see cref="MetricGraphSampler.Advance"/>.
    /// </summary>
    public SamplingResult Advance(EnsembleState state, long steps)
    {
        MetricGraphSampler.CheckAdvance(Graph, Options, _layout, state, steps);
        var options = Options;
        var g = _layout;
        var start = state.NextStep;
        var end = start + steps;
        var counts = new SamplingAccumulator(options.WindowCount, g.EdgeCount, g.BinsPerEdge, g.VertexCount, options.ExitTimeBins);
        var count = state.Count;
        if (count > 0 && steps > 0)
        {
            Run(state, start, end, counts);
        }

        state.NextStep = end;
        return new SamplingResult(options, g.Lengths, g.VertexCount, start == 0 && steps > 0 ? count : 0, counts);
    }

    private void Run(EnsembleState state, long start, long end, SamplingAccumulator counts)
    {
        var options = Options;
        var g = _layout;
        var device = _device;
        var count = state.Count;

        // Graph tables (a few KB to a few hundred KB), as SamplerLayout holds them; enums as int32.
        using var lengths = Upload(device, g.Lengths);
        using var sigmas = Upload(device, g.Sigmas);
        using var driftKinds = Upload(device, Array.ConvertAll(g.DriftKinds, kind => (int)kind));
        using var driftOffsets = Upload(device, g.DriftOffsets);
        using var driftSlopes = Upload(device, g.DriftSlopes);
        using var edgeTails = Upload(device, g.EdgeTails);
        using var edgeHeads = Upload(device, g.EdgeHeads);
        using var potentialOffsets = Upload(device, g.PotentialOffsets);
        using var potentialPositions = Upload(device, g.PotentialPositions);
        using var potentialDrifts = Upload(device, g.PotentialSegmentDrifts);
        using var vertexKinds = Upload(device, Array.ConvertAll(g.VertexKinds, kind => (int)kind));
        using var incidenceOffsets = Upload(device, g.IncidenceOffsets);
        using var incidenceEdges = Upload(device, g.IncidenceEdges);
        using var incidenceEnds = Upload(device, Array.ConvertAll(g.IncidenceEnds, end => (int)end));
        using var incidenceCumulative = Upload(device, g.IncidenceCumulativeWeights);
        using var binScales = Upload(device, g.BinScales);
        using var bridgeEnds = Upload(device, g.BridgeEnds);

        // State: 20 B per particle, read and written once per launch.
        using var edges = Upload(device, state.EdgeArray);
        using var positions = Upload(device, state.PositionArray);
        using var exitVertices = Upload(device, state.ExitVertexArray);
        using var exitTicks = Upload(device, state.ExitTickArray);

        // Counts, zeroed: (windows, edges, bins), (vertices,), (exit-time bins + 1,), totals.
        using var occupation = Upload(device, new long[counts.Occupation.Length]);
        using var exitCounts = Upload(device, new long[counts.ExitCounts.Length]);
        using var exitTimeHistogram = Upload(device, new long[counts.ExitTimeHistogram.Length]);
        using var totals = Upload(device, new long[Totals]);

        var blockHistogram = UsesBlockHistogram;
        var geometry = LaunchGeometry.Linear(count, ThreadsPerBlock) with
        {
            SharedMemoryBytes = blockHistogram ? (uint)(g.EdgeCount * g.BinsPerEdge * sizeof(uint)) : 0,
        };
        var windowSteps = options.EffectiveWindowSteps;
        var exitHistogramTicks = options.EffectiveExitTimeSteps << SamplingOptions.ExitTicksPerStepLog2;
        for (var first = start; first < end;)
        {
            // A launch stays inside one occupation window (the kernel adds its samples to window first / windowSteps).
            var last = Math.Min(Math.Min(end, first + StepsPerLaunch), ((first / windowSteps) + 1) * windowSteps);
            var arguments = new KernelArguments()
                .Add(lengths).Add(sigmas).Add(driftKinds).Add(driftOffsets).Add(driftSlopes)
                .Add(edgeTails).Add(edgeHeads).Add(potentialOffsets).Add(potentialPositions).Add(potentialDrifts)
                .Add(vertexKinds).Add(incidenceOffsets).Add(incidenceEdges).Add(incidenceEnds).Add(incidenceCumulative).Add(binScales).Add(bridgeEnds)
                .Add(edges).Add(positions).Add(exitVertices).Add(exitTicks)
                .Add(occupation).Add(exitCounts).Add(exitTimeHistogram).Add(totals)
                .Add(options.Seed).Add(g.TimeStep).Add(g.SqrtTimeStep).Add(g.MaxSplits).Add(g.BinsPerEdge).Add(g.EdgeCount)
                .Add(state.FirstParticle).Add(count).Add(first).Add(last)
                .Add(options.SampleEvery).Add(windowSteps).Add(exitHistogramTicks).Add(options.ExitTimeBins)
                .Add(blockHistogram ? 1 : 0);
            device.Launch(Kernel, geometry, arguments);
            first = last;
        }

        // Downloads wait for the launches and report their errors.
        edges.Download(state.EdgeArray);
        positions.Download(state.PositionArray);
        exitVertices.Download(state.ExitVertexArray);
        exitTicks.Download(state.ExitTickArray);
        occupation.Download(counts.Occupation);
        exitCounts.Download(counts.ExitCounts);
        exitTimeHistogram.Download(counts.ExitTimeHistogram);
        var sums = totals.ToArray();
        counts.ParticleSteps = sums[0];
        counts.Splits = sums[1];
        counts.TruncatedSteps = sums[2];
        counts.Exited = sums[3];
        counts.ExitTickSum = new UInt128((ulong)sums[5], (ulong)sums[4]);
        counts.ExitTickSquareSum = new UInt128((ulong)sums[7], (ulong)sums[6]);
    }
}
