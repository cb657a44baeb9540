using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;
using Orrery.MetricGraphs.Tests.Support;

namespace Orrery.MetricGraphs.Tests.Sampling;

public sealed class ObservableTests
{
    [Fact]
    public void TruncatedStepsAreCountedAndWarnedAboutNeverDropped()
    {
        // A strong drift into the centre (a sqrt(dt) / sigma = 3) makes most steps that reach it split again
        // and again; with MaxSplits = 2 many stop early, and every one is counted.
        var graph = MetricGraphGenerators.Star([1.0, 1.0], null, 1, VertexKind.Junction, [EdgeDrift.Constant(-30), EdgeDrift.Constant(-30)]);
        var options = new SamplingOptions { TimeStep = 1e-2f, Steps = 50, MaxSplits = 2 };
        var result = new MetricGraphSampler(graph, options).Run(0, 2000, InitialCondition.UniformByLength(graph));
        Assert.True(result.TruncatedSteps > 0);
        Assert.True(result.TruncatedSteps <= result.ParticleSteps);
        Assert.NotNull(result.TruncationWarning);
        Assert.Contains("raise MaxSplits or lower the time step", result.TruncationWarning);

        var relaxed = new MetricGraphSampler(graph, options with { MaxSplits = 1000 }).Run(0, 2000, InitialCondition.UniformByLength(graph));
        Assert.True(relaxed.TruncatedSteps < result.TruncatedSteps);
    }

    [Fact]
    public void TheDensityIntegratesToOneOverTheGraph()
    {
        var graph = TestGraphs.Mixed();
        var result = new MetricGraphSampler(graph, new SamplingOptions { TimeStep = 1e-2f, Steps = 200, BinsPerEdge = 10, WindowSteps = 100 })
            .Run(0, 3000, InitialCondition.FromSources());
        for (var w = 0; w < result.WindowCount; w++)
        {
            var density = result.Density(w);
            var integral = 0.0;
            for (var e = 0; e < graph.EdgeCount; e++)
            {
                for (var b = 0; b < 10; b++)
                {
                    integral += density[e * 10 + b] * graph.Lengths[e] / 10;
                }
            }

            Assert.Equal(1.0, integral, 9);
            Assert.Equal(1.0, Enumerable.Range(0, graph.EdgeCount).Sum(e => result.OccupationFraction(w, e)), 12);
        }
    }

    [Fact]
    public void ExitStatisticsAgreeWithTheParticlesExitRecords()
    {
        var graph = MetricGraphGenerators.Star([1.0, 0.5], null, 1, VertexKind.Absorbing);
        var options = new SamplingOptions { TimeStep = 1e-3f, Steps = 400, ExitTimeBins = 8, ExitTimeSteps = 200 };
        var sampler = new MetricGraphSampler(graph, options);
        var state = sampler.CreateEnsemble(0, 5000, InitialCondition.AtVertex(0));
        var result = sampler.Advance(state, options.Steps);

        var ticks = state.ExitTicks.ToArray().Where((_, i) => state.ExitVertices[i] != EnsembleState.Alive).ToArray();
        Assert.Equal(ticks.Length, result.Exited);
        Assert.Equal(state.Count - state.AliveCount, result.Exited);
        Assert.True(state.AliveCount > 0, "some particles should survive 0.4 time units");
        var times = ticks.Select(t => t * result.ExitTick).ToArray();
        var mean = times.Average();
        var variance = times.Sum(t => (t - mean) * (t - mean)) / (times.Length - 1);
        Assert.Equal(mean, result.MeanExitTime, 12);
        Assert.Equal(Math.Sqrt(variance / times.Length), result.MeanExitTimeStandardError, 9);

        // Histogram over [0, 200 dt) in 8 bins plus overflow.
        Assert.Equal(result.Exited, result.ExitTimeHistogram.ToArray().Sum());
        Assert.Equal(ticks.Count(t => t >= 200L << 20), result.ExitTimeHistogram[8]);
        Assert.Equal(ticks.Count(t => t < 25L << 20), result.ExitTimeHistogram[0]);
        Assert.Equal(state.ExitVertices.ToArray().Count(v => v == 1), result.ExitCounts[1]);
        Assert.Equal(0, result.ExitCounts[0]);
    }

    [Fact]
    public void BatchMeansGiveTheSpreadOfIndependentEnsembles()
    {
        var graph = TestGraphs.Mixed();
        var sampler = new MetricGraphSampler(graph, new SamplingOptions { TimeStep = 1e-2f, Steps = 100 });
        var ensembles = Enumerable.Range(0, 8).Select(k => sampler.Run(k * 500, 500, InitialCondition.FromSources())).ToArray();
        var fractions = BatchMeans.OccupationFractions(ensembles, 0);
        Assert.Equal(graph.EdgeCount, fractions.Length);
        Assert.Equal(1.0, fractions.Sum(f => f.Mean), 12);
        Assert.All(fractions, f => Assert.InRange(f.StandardError, 0, 0.1));
        var (mean, error) = BatchMeans.Estimate([1.0, 2.0, 3.0]);
        Assert.Equal(2.0, mean);
        Assert.Equal(Math.Sqrt(1.0 / 3), error, 12);
    }

    [Fact]
    public void OptionsOutOfRangeAreRefusedNamingTheSetting()
    {
        var graph = TestGraphs.Mixed();
        var error = Assert.Throws<ArgumentException>(() => new MetricGraphSampler(graph, new SamplingOptions { TimeStep = 0 }));
        Assert.StartsWith("SamplingOptions.TimeStep is 0; it must be a finite number greater than 0", error.Message);
        error = Assert.Throws<ArgumentException>(() => new MetricGraphSampler(graph, new SamplingOptions { MaxSplits = 0 }));
        Assert.StartsWith("SamplingOptions.MaxSplits is 0; it must be between 1 and 1000000", error.Message);
        var sampler = new MetricGraphSampler(graph, new SamplingOptions { Steps = 10 });
        Assert.Throws<ArgumentException>(() => sampler.CreateEnsemble(0, 1, InitialCondition.AtVertex(graph.VertexIndex("D"))));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Advance(sampler.CreateEnsemble(0, 1, InitialCondition.FromSources()), 11));
    }
}
