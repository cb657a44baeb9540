using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// The CPU sampler: runs particles through <see cref="SplittingScheme"/> on all cores and returns their
/// integer-count observables. Particles are cut into blocks of <see cref="SamplingOptions.BlockSize"/>
/// (the parallel work items) and blocks into tiles of 512 particles whose state stays in the L1 cache for
/// the whole run (see MetricGraphSampler.Tiles.cs). The random numbers of a particle depend only on
/// (seed, particle id, step, split) (<see cref="ParticleRandom"/>) and every observable is an integer
/// count, so the result is bitwise the same for every block size, thread count and split of the
/// particles into ensembles.
/// </summary>
public sealed partial class MetricGraphSampler : IParticleSampler
{
    private readonly SamplerLayout _layout;

    /// <summary>Creates a sampler for <paramref name="graph"/>; validates <paramref name="options"/>.</summary>
    public MetricGraphSampler(MetricGraph graph, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Graph = graph;
        Options = options;
        _layout = new SamplerLayout(graph, options);
    }

    /// <summary>The graph sampled.</summary>
    public MetricGraph Graph { get; }

    /// <summary>The run's settings.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Places particles <paramref name="firstParticle"/> .. + <paramref name="count"/> - 1 at step 0.</summary>
    public EnsembleState CreateEnsemble(long firstParticle, int count, InitialCondition initial) =>
        PlaceEnsemble(Graph, Options, firstParticle, count, initial);

    /// <summary>
    /// Runs particles <paramref name="firstParticle"/> .. + <paramref name="count"/> - 1 for all <see cref="SamplingOptions.Steps"/> steps.
    /// </summary>
    public SamplingResult Run(long firstParticle, int count, InitialCondition initial) =>
        Advance(CreateEnsemble(firstParticle, count, initial), Options.Steps);

    /// <summary>The initial placement every sampler uses (it depends on the seed and the particle ids only).</summary>
    internal static EnsembleState PlaceEnsemble(MetricGraph graph, SamplingOptions options, long firstParticle, int count, InitialCondition initial)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstParticle);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(initial);
        initial.Validate(graph);
        var edges = new int[count];
        var positions = new float[count];
        var exitVertices = new int[count];
        Array.Fill(exitVertices, EnsembleState.Alive);
        for (var i = 0; i < count; i++)
        {
            (edges[i], positions[i]) = initial.Place(graph, options.Seed, firstParticle + i);
        }

        return new EnsembleState(firstParticle, 0, edges, positions, exitVertices, new long[count]);
    }

    /// <summary>
    /// Advances <paramref name="state"/> by <paramref name="steps"/> steps (not past <see cref="SamplingOptions.Steps"/>)
    /// and returns what those steps observed. Results of successive advances merge into the result of one longer advance.
    /// </summary>
    public SamplingResult Advance(EnsembleState state, long steps)
    {
        CheckAdvance(Graph, Options, _layout, state, steps);
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
        return new SamplingResult(options, _layout.Lengths, Graph.VertexCount, start == 0 && steps > 0 ? state.Count : 0, total);
    }

    private SamplingAccumulator NewAccumulator() =>
        new(Options.WindowCount, Graph.EdgeCount, Options.BinsPerEdge, Graph.VertexCount, Options.ExitTimeBins);

    /// <summary>What every sampler checks before advancing <paramref name="state"/> by <paramref name="steps"/>: the step range, and each particle against the graph.</summary>
    internal static void CheckAdvance(MetricGraph graph, SamplingOptions options, SamplerLayout layout, EnsembleState state, long steps)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (state.NextStep + steps > options.Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps),
                $"the ensemble is at step {state.NextStep}; {steps} more steps would pass the run's {options.Steps} (SamplingOptions.Steps)");
        }

        CheckState(graph, layout, state);
    }

    private static void CheckState(MetricGraph graph, SamplerLayout layout, EnsembleState state)
    {
        for (var i = 0; i < state.Count; i++)
        {
            var edge = state.EdgeArray[i];
            if (edge < 0 || edge >= graph.EdgeCount)
            {
                throw new ArgumentException($"particle {state.FirstParticle + i} is on edge {edge}, which the graph does not have ({graph.EdgeCount} edges)");
            }

            var x = state.PositionArray[i];
            if (!(x >= 0) || !(x <= layout.Lengths[edge]))
            {
                throw new ArgumentException($"particle {state.FirstParticle + i} is at x = {x}, outside edge \"{graph.Edges[edge].Id}\" [0, {layout.Lengths[edge]}]");
            }

            var exit = state.ExitVertexArray[i];
            if (exit != EnsembleState.Alive && (exit < 0 || exit >= graph.VertexCount || graph.VertexKinds[exit] != VertexKind.Absorbing))
            {
                throw new ArgumentException($"particle {state.FirstParticle + i} exited at vertex {exit}, which is not an absorbing vertex of the graph");
            }
        }
    }
}
