using Orrery.Compute.Random;
using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;
using Orrery.Testing.HostEmulation;

namespace Orrery.MetricGraphs.Tests.HostEmulation;

/// <summary>
/// kernels/metric_graph.cu, compiled by g++ and run block by block on host threads (<see cref="HostEmulatedGpu"/>),
/// driven by <see cref="CudaMetricGraphSampler"/>, against the CPU sampler: the same particles and streams
/// must give the same exit vertex and tick, the same final edge, bit-identical positions and identical
/// integer observables. Bitwise equality is expected, not a tolerance: both sides round every operation
/// once (IEEE-754 add, multiply, divide, sqrt, fma; no contraction, no libm), so any difference is a bug.
/// </summary>
public sealed unsafe class MetricGraphKernelTests
{
    public static TheoryData<string> Cases => ["star-drift", "star-drift-step", "cycle-mixed", "cycle-mixed-step", "cycle-potential", "vessel-flow"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheKernelMatchesTheCpuSamplerBitForBit(string name)
    {
        var (graph, options, initial, firstParticle, count) = Case(name);
        using var gpu = new HostEmulatedGpu(MetricGraphHostKernels.Register);
        var kernelSampler = ParticleSamplers.For(gpu, graph, options);
        var cudaSampler = Assert.IsType<CudaMetricGraphSampler>(kernelSampler);
        Assert.Equal(name != "vessel-flow", cudaSampler.UsesBlockHistogram); // both histogram paths are exercised

        var cpu = new MetricGraphSampler(graph, options);
        var expectedState = cpu.CreateEnsemble(firstParticle, count, initial);
        var expected = cpu.Advance(expectedState, options.Steps);
        var actualState = kernelSampler.CreateEnsemble(firstParticle, count, initial);
        var actual = kernelSampler.Advance(actualState, options.Steps);

        Assert.True(gpu.Launches >= (int)(options.Steps / CudaMetricGraphSampler.DefaultStepsPerLaunch) + 1);
        AssertSameState(expectedState, actualState);
        AssertSameResult(expected, actual);
        Assert.True(expected.Splits > 0, "the case should cross vertices");
        if (graph.Vertices.Any(vertex => vertex.Kind == VertexKind.Absorbing))
        {
            Assert.True(expected.Exited > 0, "the case should absorb particles");
        }

        if (options.Boundary == BoundaryScheme.Bridge)
        {
            // Touches count as splits: the case must touch vertices by the bridge test, or it does not exercise it.
            var step = new MetricGraphSampler(graph, options with { Boundary = BoundaryScheme.Step });
            var stepResult = step.Advance(step.CreateEnsemble(firstParticle, count, initial), options.Steps);
            Assert.True(expected.Splits > stepResult.Splits, $"the case should touch vertices by the bridge test ({expected.Splits} splits, {stepResult.Splits} without it)");
        }

        if (name.StartsWith("cycle-mixed", StringComparison.Ordinal))
        {
            Assert.True(expected.TruncatedSteps > 0, "the case should truncate steps");
        }
    }

    [Fact]
    public void ChunksOfStepsAndWindowsDoNotChangeTheResult()
    {
        // Launches of 7 steps start at odd steps (the step pair's block is drawn afresh there) and windows of 50 cut them.
        var (graph, options, initial, firstParticle, count) = Case("cycle-mixed");
        using var gpu = new HostEmulatedGpu(MetricGraphHostKernels.Register);
        var sampler = new CudaMetricGraphSampler(gpu, graph, options, stepsPerLaunch: 7);
        var cpu = new MetricGraphSampler(graph, options);
        var expectedState = cpu.CreateEnsemble(firstParticle, count, initial);
        var expected = cpu.Advance(expectedState, options.Steps);
        var actualState = sampler.CreateEnsemble(firstParticle, count, initial);
        var actual = sampler.Advance(actualState, options.Steps);
        Assert.True(gpu.Launches > options.Steps / 7);
        AssertSameState(expectedState, actualState);
        AssertSameResult(expected, actual);
    }

    [Fact]
    public void CheckpointsContinueAcrossDevices()
    {
        // GPU for 83 steps, checkpoint, CPU for the rest; and the other way round. Both merge into the one-shot run.
        var (graph, options, initial, firstParticle, count) = Case("star-drift");
        using var gpu = new HostEmulatedGpu(MetricGraphHostKernels.Register);
        var kernel = new CudaMetricGraphSampler(gpu, graph, options);
        var cpu = new MetricGraphSampler(graph, options);
        var whole = cpu.CreateEnsemble(firstParticle, count, initial);
        var expected = cpu.Advance(whole, options.Steps);

        foreach (var (first, second) in new (IParticleSampler, IParticleSampler)[] { (kernel, cpu), (cpu, kernel) })
        {
            var state = first.CreateEnsemble(firstParticle, count, initial);
            var part1 = first.Advance(state, 83);
            var restored = EnsembleState.Restore(state.FirstParticle, state.NextStep, state.Edges, state.Positions, state.ExitVertices, state.ExitTicks);
            var part2 = second.Advance(restored, options.Steps - 83);
            AssertSameState(whole, restored);
            AssertSameResult(expected, SamplingResult.Merge([part1, part2]));
        }
    }

    [Fact]
    public void TheLastStepsOfTheLongestRunUseTheWideCountersExactly()
    {
        // Steps 2^33 - 400 .. 2^33 - 1: the counter word j >> 1 is near 2^32, exit ticks near 2^53 (their squares
        // need the 128-bit sum's high word) and ticks x 2^16 bins exceed 2^64 (the exit-time bin's 128-bit quotient).
        var (graph, options, initial, firstParticle, count) = Case("star-drift");
        options = options with { Steps = 1L << 33, WindowSteps = 0, ExitTimeSteps = 0, ExitTimeBins = 1 << 16 };
        const long start = (1L << 33) - 400;
        using var gpu = new HostEmulatedGpu(MetricGraphHostKernels.Register);
        var kernel = new CudaMetricGraphSampler(gpu, graph, options);
        var cpu = new MetricGraphSampler(graph, options);
        var placed = cpu.CreateEnsemble(firstParticle, count, initial);
        EnsembleState Late() => EnsembleState.Restore(placed.FirstParticle, start, placed.Edges, placed.Positions, placed.ExitVertices, placed.ExitTicks);

        var expectedState = Late();
        var expected = cpu.Advance(expectedState, 400);
        var actualState = Late();
        var actual = kernel.Advance(actualState, 400);
        Assert.True(expected.Exited > 10, "the case should absorb particles");
        Assert.True(expected.ExitTickSquareSum > ulong.MaxValue);
        AssertSameState(expectedState, actualState);
        AssertSameResult(expected, actual);
    }

    [Fact]
    public void TheHostSideChecksWhatTheCpuSamplerChecksAndSizesTheBlockHistogram()
    {
        using var gpu = new HostEmulatedGpu(MetricGraphHostKernels.Register);
        var star = MetricGraphGenerators.Star(4, 1.0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CudaMetricGraphSampler(gpu, star, new SamplingOptions(), stepsPerLaunch: 0));
        Assert.Throws<ArgumentException>(() => new CudaMetricGraphSampler(gpu, star, new SamplingOptions { BinsPerEdge = 0 }));
        var sampler = new CudaMetricGraphSampler(gpu, star, new SamplingOptions { Steps = 10 });
        var state = sampler.CreateEnsemble(0, 5, InitialCondition.AtVertex(star.VertexIndex("c")));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Advance(state, 11));
        var moved = EnsembleState.Restore(0, 0, [7, 0, 0, 0, 0], state.Positions, state.ExitVertices, state.ExitTicks);
        Assert.Contains("edge 7", Assert.Throws<ArgumentException>(() => sampler.Advance(moved, 1)).Message);
        Assert.Equal(0, gpu.Launches);

        // 4 edges x 3008 bins x 4 B = 47 KB fits beside the kernel's static counters; one bin more per edge does not.
        var fits = CudaMetricGraphSampler.BlockHistogramLimitBytes / sizeof(uint) / star.EdgeCount;
        Assert.True(new CudaMetricGraphSampler(gpu, star, new SamplingOptions { BinsPerEdge = fits }).UsesBlockHistogram);
        Assert.False(new CudaMetricGraphSampler(gpu, star, new SamplingOptions { BinsPerEdge = fits + 1 }).UsesBlockHistogram);
    }

    [Fact]
    public void TheKernelsBoxMullerIsPortableBoxMullerBitForBit()
    {
        // Edge words (u near 0 and near 1, each quadrant boundary of 2 pi u) and a million Philox words.
        var words = new List<(uint, uint)> { (0, 0), (uint.MaxValue, uint.MaxValue), (0, uint.MaxValue), (uint.MaxValue, 0) };
        for (uint q = 0; q < 8; q++)
        {
            words.Add((q * 0x2000_0000u, (q * 0x2000_0000u) - 1));
            words.Add((q * 0x2000_0000u + 1, q * 0x2000_0000u));
        }

        for (ulong i = 0; i < 1 << 19; i++)
        {
            var block = Philox4x32.Generate(0xABCDEF, 7, i);
            words.Add((block.X0, block.X1));
            words.Add((block.X2, block.X3));
        }

        var box = MetricGraphHostKernels.BoxMuller;
        foreach (var (w0, w1) in words)
        {
            float z0, z1;
            box(w0, w1, &z0, &z1);
            var (e0, e1) = PortableBoxMuller.Transform(w0, w1);
            if (BitConverter.SingleToInt32Bits(z0) != BitConverter.SingleToInt32Bits(e0) || BitConverter.SingleToInt32Bits(z1) != BitConverter.SingleToInt32Bits(e1))
            {
                Assert.Fail($"words (0x{w0:x8}, 0x{w1:x8}): kernel ({z0:R}, {z1:R}), C# ({e0:R}, {e1:R})");
            }
        }
    }

    [Theory]
    [InlineData(0UL, 100UL, 7UL)]
    [InlineData(123_456_789UL, 100UL, 1_000_000_007UL)]
    [InlineData(1UL << 53, 1UL << 24, (1UL << 53) + 1)] // a product of 77 bits, as exit ticks x 2^24 bins can be
    [InlineData(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 1, ulong.MaxValue - 2, ulong.MaxValue)] // a remainder above 2^63 during the division
    public void TheExitTimeBinIsTheExactQuotient(ulong a, ulong b, ulong d)
    {
        var expected = (ulong)((UInt128)a * b / d);
        Assert.Equal(expected, MetricGraphHostKernels.MulDiv(a, b, d));
    }

    [Fact]
    public void TheExitTickSumsCarryIntoTheirHighWord()
    {
        var random = new Random(5);
        var sum = stackalloc ulong[2];
        UInt128 expected = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var t = (ulong)random.NextInt64() | ((ulong)random.Next(2) << 63);
            var square = (UInt128)t * t;
            MetricGraphHostKernels.AddU128(sum, (ulong)square, (ulong)(square >> 64));
            expected += square;
        }

        Assert.Equal(expected, new UInt128(sum[1], sum[0]));
    }

    private static (MetricGraph Graph, SamplingOptions Options, InitialCondition Initial, long FirstParticle, int Count) Case(string name)
    {
        // Particle ids straddle 2^32 (the counter's high word changes inside a block); the seed fills both key words.
        var options = new SamplingOptions
        {
            Seed = 0x0123_4567_89AB_CDEF,
            TimeStep = 2e-3f,
            Steps = 1201,
            BinsPerEdge = 9,
            SampleEvery = 3,
            WindowSteps = 500,
            ExitTimeBins = 40,
            ExitTimeSteps = 1000,
        };
        const long firstParticle = (1L << 32) - 300;
        if (name.EndsWith("-step", StringComparison.Ordinal))
        {
            // The seed's scheme: no bridge tests (the table of bridge-tested ends is all zero).
            var step = Case(name[..^"-step".Length]);
            return step with { Options = step.Options with { Boundary = BoundaryScheme.Step } };
        }

        switch (name)
        {
            case "star-drift":
                // Absorbing leaves; linear (quadratic potential), constant and mixed drifts, unequal lengths and weights.
                var star = MetricGraphGenerators.Star([1.0, 0.8, 1.2, 0.6, 1.0], [0.3, 0.1, 0.2, 0.25, 0.15], 1.0, VertexKind.Absorbing,
                    [EdgeDrift.Linear(-2), EdgeDrift.Constant(0.5), EdgeDrift.Linear(slope: 1, offset: -0.3), EdgeDrift.None, EdgeDrift.Constant(-1)]);
                return (star, options with { Steps = 400 }, InitialCondition.AtVertex(star.VertexIndex("c")), firstParticle, 530);
            case "cycle-mixed":
                // A cycle, every drift kind (a piecewise potential too), absorbing and reflecting ends; MaxSplits 2 truncates.
                var mixed = TestGraphs.Mixed();
                return (mixed, options with { MaxSplits = 2, TimeStep = 5e-3f, Steps = 301, WindowSteps = 50 }, InitialCondition.UniformByLength(mixed), firstParticle, 300);
            case "cycle-potential":
                var (cycle, _, _) = TestGraphs.CycleWithPotential(withPotential: true);
                return (cycle, options with { Steps = 300 }, InitialCondition.UniformByLength(cycle), 0, 257);
            case "vessel-flow":
                // 1,701 segments x 9 bins: the occupation histogram is too big for shared memory and goes to global memory.
                var vessel = MetricGraphGenerators.VesselNetwork(new VesselNetworkOptions { RootVelocity = 2 });
                return (vessel, options with { TimeStep = 2.5e-3f, Steps = 250, BinsPerEdge = 9 }, InitialCondition.UniformByLength(vessel), firstParticle, 600);
            default:
                throw new ArgumentException(name);
        }
    }

    private static void AssertSameState(EnsembleState expected, EnsembleState actual)
    {
        Assert.Equal(expected.NextStep, actual.NextStep);
        for (var i = 0; i < expected.Count; i++)
        {
            var particle = expected.FirstParticle + i;
            Assert.True(expected.ExitVertices[i] == actual.ExitVertices[i],
                $"particle {particle}: exit vertex {actual.ExitVertices[i]}, CPU {expected.ExitVertices[i]}");
            Assert.True(expected.ExitTicks[i] == actual.ExitTicks[i], $"particle {particle}: exit tick {actual.ExitTicks[i]}, CPU {expected.ExitTicks[i]}");
            Assert.True(expected.Edges[i] == actual.Edges[i], $"particle {particle}: edge {actual.Edges[i]}, CPU {expected.Edges[i]}");
            Assert.True(BitConverter.SingleToInt32Bits(expected.Positions[i]) == BitConverter.SingleToInt32Bits(actual.Positions[i]),
                $"particle {particle}: position {actual.Positions[i]:R}, CPU {expected.Positions[i]:R}");
        }
    }

    private static void AssertSameResult(SamplingResult expected, SamplingResult actual)
    {
        Assert.Equal(expected.Particles, actual.Particles);
        Assert.Equal(expected.ParticleSteps, actual.ParticleSteps);
        Assert.Equal(expected.Splits, actual.Splits);
        Assert.Equal(expected.TruncatedSteps, actual.TruncatedSteps);
        Assert.Equal(expected.Exited, actual.Exited);
        Assert.Equal(expected.ExitTickSum, actual.ExitTickSum);
        Assert.Equal(expected.ExitTickSquareSum, actual.ExitTickSquareSum);
        Assert.Equal(expected.ExitCounts.ToArray(), actual.ExitCounts.ToArray());
        Assert.Equal(expected.ExitTimeHistogram.ToArray(), actual.ExitTimeHistogram.ToArray());
        Assert.Equal(expected.Occupation.ToArray(), actual.Occupation.ToArray());
    }
}
