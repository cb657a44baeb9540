using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;

namespace Orrery.MetricGraphs.Tests.Sampling;

/// <summary>The vectorised, multi-threaded sampler against the plain transcription of the scheme, and against itself under different splits of the work.</summary>
public sealed class SamplerAgreementTests
{
    private static readonly SamplingOptions Options = new()
    {
        Seed = 0xC0FFEE,
        TimeStep = 5e-3f,
        Steps = 301,
        MaxSplits = 2,
        BinsPerEdge = 7,
        SampleEvery = 3,
        WindowSteps = 50,
        ExitTimeBins = 16,
        BlockSize = 37,
    };

    [Theory]
    [InlineData(1000L, BoundaryScheme.Bridge)]
    [InlineData((1L << 32) - 77, BoundaryScheme.Bridge)] // particle ids whose low word wraps inside a vector
    [InlineData(1000L, BoundaryScheme.Step)]
    public void TheSamplerFollowsTheReferenceTranscriptionBitForBit(long firstParticle, BoundaryScheme boundary)
    {
        var graph = TestGraphs.Mixed();
        const int count = 203;
        var options = Options with { Boundary = boundary };
        var sampler = new MetricGraphSampler(graph, options);
        var state = sampler.CreateEnsemble(firstParticle, count, InitialCondition.UniformByLength(graph));
        var start = (state.Edges.ToArray(), state.Positions.ToArray());
        var result = sampler.Advance(state, options.Steps);

        var occupation = new long[result.Occupation.Length];
        var exitCounts = new long[graph.VertexCount];
        long steps = 0, splits = 0, truncated = 0, exited = 0;
        UInt128 tickSum = 0;
        for (var i = 0; i < count; i++)
        {
            var expected = ReferenceSampler.Run(graph, options, firstParticle + i, start.Item1[i], start.Item2[i]);
            Assert.Equal(expected.Edge, state.Edges[i]);
            Assert.Equal(expected.Position, state.Positions[i]);
            Assert.Equal(expected.ExitVertex, state.ExitVertices[i]);
            Assert.Equal(expected.ExitTicks, state.ExitTicks[i]);
            steps += expected.Steps;
            splits += expected.Splits;
            truncated += expected.Truncated;
            if (expected.ExitVertex >= 0)
            {
                exited++;
                exitCounts[expected.ExitVertex]++;
                tickSum += (ulong)expected.ExitTicks;
            }

            foreach (var (step, edge, x) in expected.Samples)
            {
                var bin = Math.Min((int)(x * (options.BinsPerEdge / graph.Lengths[edge])), options.BinsPerEdge - 1);
                occupation[((int)(step / options.WindowSteps) * graph.EdgeCount + edge) * options.BinsPerEdge + bin]++;
            }
        }

        Assert.Equal(steps, result.ParticleSteps);
        Assert.Equal(splits, result.Splits);
        Assert.Equal(truncated, result.TruncatedSteps);
        Assert.True(truncated > 0, "the test should exercise truncation");
        Assert.True(exited > 0, "the test should exercise absorption");
        Assert.Equal(exited, result.Exited);
        Assert.Equal(tickSum, result.ExitTickSum);
        Assert.Equal(exitCounts, result.ExitCounts.ToArray());
        Assert.Equal(occupation, result.Occupation.ToArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(8, 2)]
    [InlineData(64, 1)]
    [InlineData(100_000, 2)]
    public void ResultsAreBitwiseTheSameForEveryBlockSizeAndThreadCount(int blockSize, int threads)
    {
        var graph = TestGraphs.Mixed();
        var reference = new MetricGraphSampler(graph, Options with { BlockSize = 29, MaxDegreeOfParallelism = 2 }).Run(0, 997, InitialCondition.FromSources());
        var other = new MetricGraphSampler(graph, Options with { BlockSize = blockSize, MaxDegreeOfParallelism = threads }).Run(0, 997, InitialCondition.FromSources());
        Assert.True(reference.IsIdenticalTo(other));
    }

    [Fact]
    public void SevenEnsemblesMergeToExactlyTheResultOfOneRun()
    {
        var graph = TestGraphs.Mixed();
        var sampler = new MetricGraphSampler(graph, Options);
        const int total = 2000;
        var whole = sampler.Run(0, total, InitialCondition.UniformByLength(graph));
        var cuts = new[] { 0, 1, 290, 291, 700, 1333, 1998, total };
        var parts = cuts.Zip(cuts.Skip(1)).Select(c => sampler.Run(c.First, c.Second - c.First, InitialCondition.UniformByLength(graph))).ToArray();
        Assert.Equal(7, parts.Length);
        var merged = SamplingResult.Merge(parts.Reverse());
        Assert.True(whole.IsIdenticalTo(merged));
        Assert.Equal(total, merged.Particles);
    }

    [Fact]
    public void AdvancingInSegmentsAndFromACheckpointContinuesEachPathExactly()
    {
        var graph = TestGraphs.Mixed();
        var sampler = new MetricGraphSampler(graph, Options);
        var whole = sampler.Run(50, 300, InitialCondition.AtVertex(graph.VertexIndex("A")));

        var state = sampler.CreateEnsemble(50, 300, InitialCondition.AtVertex(graph.VertexIndex("A")));
        var first = sampler.Advance(state, 77); // odd: the next segment starts inside a step pair
        var checkpoint = EnsembleState.Restore(state.FirstParticle, state.NextStep, state.Edges, state.Positions, state.ExitVertices, state.ExitTicks);
        var second = sampler.Advance(checkpoint, 100);
        var third = sampler.Advance(checkpoint, Options.Steps - 177);
        Assert.True(whole.IsIdenticalTo(SamplingResult.Merge([first, second, third])));
    }

    [Fact]
    public void ResultsWithDifferentSettingsRefuseToMerge()
    {
        var graph = TestGraphs.Mixed();
        var a = new MetricGraphSampler(graph, Options).Run(0, 10, InitialCondition.FromSources());
        var b = new MetricGraphSampler(graph, Options with { BinsPerEdge = 8 }).Run(10, 10, InitialCondition.FromSources());
        var error = Assert.Throws<ArgumentException>(() => a.Merge(b));
        Assert.Contains("BinsPerEdge", error.Message);
    }
}
