using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// The CPU sampler: runs particles through <see cref="SplittingScheme"/> on all cores and returns their
/// integer-count observables. Particles are cut into blocks of <see cref="SamplingOptions.BlockSize"/>
/// (the parallel work items); inside a block, eight particles at a time share one SIMD lane group: for
/// each pair of steps one vectorised Philox block and Box–Muller serve all eight (the expensive part),
/// then each lane steps on its own, keeping its state on the stack for the whole run (as the GPU kernel
/// keeps it in registers). The random numbers of a particle depend only on (seed, particle id, step,
/// split) (<see cref="ParticleRandom"/>) and every observable is an integer count, so the result is
/// bitwise the same for every block size, thread count and split of the particles into ensembles.
/// </summary>
public sealed class MetricGraphSampler
{
    private const int Lanes = 8;

    private readonly SamplerLayout _layout;
    private readonly float[] _lengths;

    /// <summary>Creates a sampler for <paramref name="graph"/>; validates <paramref name="options"/>.</summary>
    public MetricGraphSampler(MetricGraph graph, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Graph = graph;
        Options = options;
        _layout = new SamplerLayout(graph, options);
        _lengths = graph.Lengths.ToArray();
    }

    /// <summary>The graph sampled.</summary>
    public MetricGraph Graph { get; }

    /// <summary>The run's settings.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Places particles <paramref name="firstParticle"/> .. + <paramref name="count"/> - 1 at step 0.</summary>
    public EnsembleState CreateEnsemble(long firstParticle, int count, InitialCondition initial)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstParticle);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(initial);
        initial.Validate(Graph);
        var edges = new int[count];
        var positions = new float[count];
        var exitVertices = new int[count];
        Array.Fill(exitVertices, EnsembleState.Alive);
        for (var i = 0; i < count; i++)
        {
            (edges[i], positions[i]) = initial.Place(Graph, Options.Seed, firstParticle + i);
        }

        return new EnsembleState(firstParticle, 0, edges, positions, exitVertices, new long[count]);
    }

    /// <summary>Runs particles <paramref name="firstParticle"/> .. + <paramref name="count"/> - 1 for all <see cref="SamplingOptions.Steps"/> steps.</summary>
    public SamplingResult Run(long firstParticle, int count, InitialCondition initial) =>
        Advance(CreateEnsemble(firstParticle, count, initial), Options.Steps);

    /// <summary>
    /// Advances <paramref name="state"/> by <paramref name="steps"/> steps (not past <see cref="SamplingOptions.Steps"/>)
    /// and returns what those steps observed. Results of successive advances merge into the result of one longer advance.
    /// </summary>
    public SamplingResult Advance(EnsembleState state, long steps)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (state.NextStep + steps > Options.Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps),
                $"the ensemble is at step {state.NextStep}; {steps} more steps would pass the run's {Options.Steps} (SamplingOptions.Steps)");
        }

        CheckState(state);
        var options = Options;
        var start = state.NextStep;
        var end = start + steps;
        var blockSize = options.BlockSize;
        var blocks = (int)(((long)state.Count + blockSize - 1) / blockSize);
        var total = NewAccumulator();
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, NewAccumulator,
            (block, _, accumulator) =>
            {
                var first = block * blockSize;
                AdvanceBlock(state, first, Math.Min(first + blockSize, state.Count), start, end, accumulator);
                return accumulator;
            },
            accumulator =>
            {
                lock (total)
                {
                    total.Add(accumulator);
                }
            });
        state.NextStep = end;
        return new SamplingResult(options, _lengths, Graph.VertexCount, start == 0 && steps > 0 ? state.Count : 0, total);
    }

    private SamplingAccumulator NewAccumulator() =>
        new(Options.WindowCount, Graph.EdgeCount, Options.BinsPerEdge, Graph.VertexCount, Options.ExitTimeBins);

    private void CheckState(EnsembleState state)
    {
        for (var i = 0; i < state.Count; i++)
        {
            var edge = state.EdgeArray[i];
            if (edge < 0 || edge >= Graph.EdgeCount)
            {
                throw new ArgumentException($"particle {state.FirstParticle + i} is on edge {edge}, which the graph does not have ({Graph.EdgeCount} edges)");
            }

            var x = state.PositionArray[i];
            if (!(x >= 0) || !(x <= _lengths[edge]))
            {
                throw new ArgumentException($"particle {state.FirstParticle + i} is at x = {x}, outside edge \"{Graph.Edges[edge].Id}\" [0, {_lengths[edge]}]");
            }

            var exit = state.ExitVertexArray[i];
            if (exit != EnsembleState.Alive && (exit < 0 || exit >= Graph.VertexCount || Graph.VertexKinds[exit] != VertexKind.Absorbing))
            {
                throw new ArgumentException($"particle {state.FirstParticle + i} exited at vertex {exit}, which is not an absorbing vertex of the graph");
            }
        }
    }

    private void AdvanceBlock(EnsembleState state, int first, int end, long startStep, long endStep, SamplingAccumulator accumulator)
    {
        for (var group = first; group < end; group += Lanes)
        {
            AdvanceGroup(state, group, Math.Min(Lanes, end - group), startStep, endStep, accumulator);
        }
    }

    [SkipLocalsInit]
    private void AdvanceGroup(EnsembleState state, int first, int lanes, long startStep, long endStep, SamplingAccumulator accumulator)
    {
        var g = _layout;
        var options = Options;
        var seed = options.Seed;
        var sampleEvery = options.SampleEvery;
        var windowSteps = options.EffectiveWindowSteps;
        var cellsPerWindow = g.EdgeCount * g.BinsPerEdge;
        var exitHistogramTicks = options.EffectiveExitTimeSteps << SamplingOptions.ExitTicksPerStepLog2;
        var occupation = accumulator.Occupation;

        Span<int> edges = stackalloc int[Lanes];
        Span<float> positions = stackalloc float[Lanes];
        Span<bool> alive = stackalloc bool[Lanes];
        Span<float> normalsEven = stackalloc float[Lanes];
        Span<float> normalsOdd = stackalloc float[Lanes];
        Span<uint> wordsEven = stackalloc uint[Lanes];
        Span<uint> wordsOdd = stackalloc uint[Lanes];
        Span<uint> idLow = stackalloc uint[Lanes];
        Span<uint> idHigh = stackalloc uint[Lanes];
        var aliveCount = 0;
        for (var lane = 0; lane < Lanes; lane++)
        {
            var particle = state.FirstParticle + first + lane;
            idLow[lane] = (uint)particle;
            idHigh[lane] = (uint)((ulong)particle >> 32);
            alive[lane] = lane < lanes && state.ExitVertexArray[first + lane] == EnsembleState.Alive;
            edges[lane] = lane < lanes ? state.EdgeArray[first + lane] : 0;
            positions[lane] = lane < lanes ? state.PositionArray[first + lane] : 0f;
            aliveCount += alive[lane] ? 1 : 0;
        }

        var counterLow = Vector256.Create<uint>(idLow);
        var counterHigh = Vector256.Create<uint>(idHigh);
        long particleSteps = 0, splitCount = 0, truncated = 0;
        for (var step = startStep; step < endStep && aliveCount > 0; step++)
        {
            if ((step & 1) == 0 || step == startStep)
            {
                // One block per particle for the step pair (step & ~1, step | 1), iteration 0.
                var c0 = counterLow;
                var c1 = counterHigh;
                var c2 = Vector256.Create((uint)(step >> 1));
                var c3 = Vector256<uint>.Zero;
                PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));
                var (z0, z1) = PortableBoxMuller.Transform(c0, c1);
                z0.CopyTo(normalsEven);
                z1.CopyTo(normalsOdd);
                c2.CopyTo(wordsEven);
                c3.CopyTo(wordsOdd);
            }

            var odd = (step & 1) != 0;
            var normals = odd ? normalsOdd : normalsEven;
            var words = odd ? wordsOdd : wordsEven;
            for (var lane = 0; lane < Lanes; lane++)
            {
                if (!alive[lane])
                {
                    continue;
                }

                particleSteps++;
                var draws = new PhiloxSplitDraws(seed, state.FirstParticle + first + lane, step);
                var outcome = SplittingScheme.Step(g, ref edges[lane], ref positions[lane], normals[lane], words[lane], ref draws,
                    out var splits, out var exitVertex, out var timeLeft);
                splitCount += splits;
                if (outcome == StepOutcome.Exited)
                {
                    alive[lane] = false;
                    aliveCount--;
                    var ticks = SplittingScheme.ExitTicks(step, g.TimeStep, timeLeft);
                    state.ExitVertexArray[first + lane] = exitVertex;
                    state.ExitTickArray[first + lane] = ticks;
                    accumulator.RecordExit(exitVertex, ticks, exitHistogramTicks, options.ExitTimeBins);
                }
                else if (outcome == StepOutcome.Truncated)
                {
                    truncated++;
                }
            }

            if ((step + 1) % sampleEvery == 0)
            {
                var window = (int)(step / windowSteps) * cellsPerWindow;
                for (var lane = 0; lane < Lanes; lane++)
                {
                    if (alive[lane])
                    {
                        occupation[window + Bin(g, edges[lane], positions[lane])]++;
                    }
                }
            }
        }

        for (var lane = 0; lane < lanes; lane++)
        {
            state.EdgeArray[first + lane] = edges[lane];
            state.PositionArray[first + lane] = positions[lane];
        }

        accumulator.ParticleSteps += particleSteps;
        accumulator.Splits += splitCount;
        accumulator.TruncatedSteps += truncated;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bin(SamplerLayout g, int edge, float x) =>
        edge * g.BinsPerEdge + Math.Min((int)(x * g.BinScales[edge]), g.BinsPerEdge - 1);
}
