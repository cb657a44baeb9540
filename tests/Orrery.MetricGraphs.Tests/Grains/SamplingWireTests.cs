using Orrery.MetricGraphs.Grains;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;

namespace Orrery.MetricGraphs.Tests.Grains;

/// <summary>Counts and checkpoints survive their wire form bit for bit, and a wrong size is refused.</summary>
public sealed class SamplingWireTests
{
    private static readonly SamplingOptions Options = new() { Seed = 4, TimeStep = 1e-3f, Steps = 300, BinsPerEdge = 8, WindowSteps = 100, ExitTimeBins = 12 };

    [Fact]
    public void CountsRoundTrip()
    {
        var graph = TestGraphs.Mixed();
        var result = new MetricGraphSampler(graph, Options).Run(0, 2000, InitialCondition.FromSources());
        Assert.True(result.Exited > 0, "the test needs exits to cover the exit sums");
        var back = SamplingWire.ToResult(SamplingWire.ToCounts(result), SamplingWire.ToOptions(SamplingWire.ToSettings(Options)), graph);
        Assert.True(back.IsIdenticalTo(result));
    }

    [Fact]
    public void CheckpointContinuesExactlyAsTheOriginalState()
    {
        var graph = TestGraphs.Mixed();
        var sampler = new MetricGraphSampler(graph, Options);
        var whole = sampler.Run(100, 1500, InitialCondition.FromSources());

        var state = sampler.CreateEnsemble(100, 1500, InitialCondition.FromSources());
        var first = sampler.Advance(state, 130);
        var bytes = SamplingWire.ToCheckpoint(state);
        Assert.Equal(1500 * SamplingWire.CheckpointBytesPerParticle, bytes.Length);
        var restored = SamplingWire.FromCheckpoint(bytes, 100, 1500, state.NextStep);
        var rest = sampler.Advance(restored, Options.Steps - 130);
        Assert.True(first.Merge(rest).IsIdenticalTo(whole));
    }

    [Fact]
    public void WrongSizesAreRefused()
    {
        var graph = TestGraphs.Mixed();
        var counts = SamplingWire.ToCounts(new MetricGraphSampler(graph, Options).Run(0, 10, InitialCondition.FromSources()));
        var otherShape = Options with { BinsPerEdge = 9 };
        Assert.Contains("occupation has", Assert.Throws<ArgumentException>(() => SamplingWire.ToResult(counts, otherShape, graph)).Message);
        Assert.Contains("a checkpoint of 10 particles has 200 bytes; this one has 199",
            Assert.Throws<ArgumentException>(() => SamplingWire.FromCheckpoint(new byte[199], 0, 10, 0)).Message);
    }
}
