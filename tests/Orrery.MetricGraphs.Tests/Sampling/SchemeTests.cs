using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Generators;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.Sampling;

/// <summary>Single steps of the splitting scheme with scripted random numbers, checked against hand calculations.</summary>
public sealed class SchemeTests
{
    [Fact]
    public void AStepInsideTheEdgeIsOneEulerMaruyamaStep()
    {
        var graph = Segment(VertexKind.Junction, VertexKind.Junction, 1, EdgeDrift.Linear(slope: -2, offset: 0.5));
        var layout = Layout(graph, 1e-2f);
        int edge = 0;
        var x = 0.3f;
        var draws = new ScriptedDraws([], []);
        var outcome = SplittingScheme.Step(layout, ref edge, ref x, 0.7f, 0, ref draws, out var splits, out _, out _);

        var a = MathF.FusedMultiplyAdd(-2f, 0.3f, 0.5f);
        var expected = (0.3f + 1e-2f * a) + (1f * MathF.Sqrt(1e-2f)) * 0.7f;
        Assert.Equal(StepOutcome.Completed, outcome);
        Assert.Equal(0, splits);
        Assert.Equal(expected, x);
        Assert.Equal(0, draws.Used);
    }

    [Fact]
    public void AReflectingEndSplitsTheStepAndTheLeftoverTimeContinuesIntoTheEdge()
    {
        // x = 0.95, w = 1, dt = 0.01, sigma = 1: x' = 1.05 passes L = 1. d = 0.05, A = 0, B = 0.1,
        // so s = 2d / (B + |B|) = 0.5 and the time left is dt (1 - s^2) = 0.0075. The particle restarts at
        // x = L of the same edge (the only one at that vertex) and moves -|w1| sqrt(0.0075) with w1 = 0.4.
        var graph = Segment(VertexKind.Junction, VertexKind.Junction, 1, EdgeDrift.None);
        var layout = Layout(graph, 1e-2f);
        int edge = 0;
        var x = 0.95f;
        var draws = new ScriptedDraws([0.4f], [0]);
        var outcome = SplittingScheme.Step(layout, ref edge, ref x, 1f, 0, ref draws, out var splits, out _, out _);

        Assert.Equal(StepOutcome.Completed, outcome);
        Assert.Equal(1, splits);
        Assert.Equal(1, draws.Used);
        Assert.Equal(1 - 0.4 * Math.Sqrt(0.0075), x, 1e-6);
    }

    [Fact]
    public void AnAbsorbingVertexRecordsTheExitVertexAndTheTimeWithinTheStep()
    {
        var graph = Segment(VertexKind.Junction, VertexKind.Absorbing, 1, EdgeDrift.None);
        var layout = Layout(graph, 1e-2f);
        int edge = 0;
        var x = 0.95f;
        var draws = new ScriptedDraws([], []);
        var outcome = SplittingScheme.Step(layout, ref edge, ref x, 1f, 0, ref draws, out var splits, out var exitVertex, out var timeLeft);

        Assert.Equal(StepOutcome.Exited, outcome);
        Assert.Equal(1, splits);
        Assert.Equal(graph.VertexIndex("b"), exitVertex);
        Assert.Equal(0.0075, timeLeft, 1e-8);
        Assert.Equal(1f, x); // left at the vertex
        // Step 5 began at 5 dt; the vertex was reached after s^2 dt = dt / 4: ticks = 5 x 2^20 + 2^18
        // (to within a tick: 0.95f and 0.1f are not exact in binary).
        Assert.Equal((5L << 20) + (1L << 18), SplittingScheme.ExitTicks(5, 1e-2f, timeLeft), 1.0);
    }

    [Fact]
    public void DriftIntoAVertexSplitsRepeatedlyAndTheStepIsCountedAsTruncatedAtMaxSplits()
    {
        // A drift of -100 towards the centre with w = 1 each time: after the first crossing the particle
        // sits at the centre, moves |w| sigma sqrt(tau) inwards and is pulled back after s = |B| / |A|, which
        // uses only s^2 ~ 1% of the time left; the third crossing stops the step with time left over.
        var graph = MetricGraphGenerators.Star([1.0, 1.0], null, 1, VertexKind.Junction, [EdgeDrift.Constant(-100), EdgeDrift.Constant(-100)]);
        var layout = Layout(graph, 1e-2f, maxSplits: 3);
        int edge = 0;
        var x = 0.001f;
        var draws = new ScriptedDraws([1f, 1f, 1f], [0, 0, 0]);
        var outcome = SplittingScheme.Step(layout, ref edge, ref x, 1f, 0, ref draws, out var splits, out _, out var timeLeft);

        Assert.Equal(StepOutcome.Truncated, outcome);
        Assert.Equal(3, splits);
        Assert.Equal(0f, x);
        Assert.True(timeLeft > 0.009f, $"time left {timeLeft}");
        Assert.Equal(2, draws.Used);
    }

    [Fact]
    public void TheNextEdgeIsChosenByTheJumpWeightsIncludingTheEdgeItCameFrom()
    {
        // Centre weights (0.2, 0.3, 0.5): cumulative (0.2, 0.5, 1). A particle arriving from e1 with u = 0.1
        // goes into e0; with u = 0.3 back into e1; with u = 0.9 into e2, then moves 0.5 sqrt(tau) into it.
        var graph = MetricGraphGenerators.Star([1.0, 1.0, 1.0], [0.2, 0.3, 0.5]);
        var layout = Layout(graph, 1e-2f);
        foreach (var (u, expectedEdge) in new[] { (0.1, 0), (0.3, 1), (0.9, 2) })
        {
            int edge = 1;
            var x = 0.01f;
            var draws = new ScriptedDraws([0.5f], [0]);
            SplittingScheme.Step(layout, ref edge, ref x, -1f, (uint)(u * 4294967296.0), ref draws, out var splits, out _, out _);
            Assert.Equal(1, splits);
            Assert.Equal(expectedEdge, edge);
            Assert.InRange(x, 0.5f * 0.09f, 0.5f * 0.1f); // 0.5 sqrt(tau), tau = dt (1 - s^2) with s = 0.1
        }
    }

    [Fact]
    public void WithTheBridgeATouchedJunctionRedrawsTheEdgeFromThePassageTime()
    {
        // On arm 1 at x = 0.01 from the centre, w = 0.05, dt = 0.01, sigma = 1: x' = 0.015 stays inside, but the bridge
        // from 0.01 to 0.015 touched the centre with probability exp(-2 (0.01)(0.015) / 0.01) = exp(-0.03); the scripted
        // bridge word (u = 2^-33, -ln u = 22.9) says it did. The passage time: normal 1 and uniform 1/4 give r = 1 / 0.03,
        // q = 1 + r + sqrt(r (r + 2)), accepted (u (q + 1) <= q), so the time left is dt x 0.015 / (0.015 + 0.01 / q).
        // At the centre u = 0.9 picks arm 2 (cumulative 0.2, 0.5, 1), which the particle enters by 0.5 sqrt(time left).
        var graph = MetricGraphGenerators.Star([1.0, 1.0, 1.0], [0.2, 0.3, 0.5]);
        var layout = Layout(graph, 1e-2f, boundary: BoundaryScheme.Bridge);
        int edge = 1;
        var x = 0.01f;
        var draws = new ScriptedDraws([0.5f], [0], bridgeWord: 0, touchNormal: 1f, touchWord: 0x4000_0000);
        var outcome = SplittingScheme.Step(layout, ref edge, ref x, 0.05f, (uint)(0.9 * 4294967296.0), ref draws, out var splits, out _, out _);

        var argument = 2 * 0.01 * 0.015 / 0.01;
        var r = 1 / argument;
        var q = 1 + r + Math.Sqrt(r * (r + 2));
        var timeLeft = 0.01 * 0.015 / (0.015 + 0.01 / q);
        Assert.Equal(StepOutcome.Completed, outcome);
        Assert.Equal(1, splits);
        Assert.Equal(1, draws.TouchesDrawn);
        Assert.Equal(1, draws.Used);
        Assert.Equal(2, edge);
        Assert.Equal(0.5 * Math.Sqrt(timeLeft), x, 1e-6);

        // The same step with the step scheme: no touch test, the particle stays on arm 1 at 0.015.
        edge = 1;
        x = 0.01f;
        var stepDraws = new ScriptedDraws([], [], bridgeWord: 0);
        Assert.Equal(StepOutcome.Completed, SplittingScheme.Step(Layout(graph, 1e-2f), ref edge, ref x, 0.05f, 0, ref stepDraws, out splits, out _, out _));
        Assert.Equal((1, 0), (edge, splits));
        Assert.Equal(0.015, x, 1e-7);
    }

    [Fact]
    public void WithTheBridgeATouchedAbsorbingEndExitsAtThePassageTime()
    {
        // As above with an absorbing tail: the exit is recorded at the passage time, with the time left unused.
        var graph = Segment(VertexKind.Absorbing, VertexKind.Junction, 1, EdgeDrift.None);
        var layout = Layout(graph, 1e-2f, boundary: BoundaryScheme.Bridge);
        int edge = 0;
        var x = 0.01f;
        var draws = new ScriptedDraws([], [], bridgeWord: 0, touchNormal: 1f, touchWord: uint.MaxValue);
        var outcome = SplittingScheme.Step(layout, ref edge, ref x, 0.05f, 0, ref draws, out var splits, out var exitVertex, out var timeLeft);

        // u just below 1 rejects MSH's first root (u (q + 1) > q): s = mu q, time left dt x 0.015 / (0.015 + 0.01 q).
        var r = 1 / (2 * 0.01 * 0.015 / 0.01);
        var q = 1 + r + Math.Sqrt(r * (r + 2));
        Assert.Equal(StepOutcome.Exited, outcome);
        Assert.Equal(graph.VertexIndex("a"), exitVertex);
        Assert.Equal(0f, x);
        Assert.Equal(1, splits);
        Assert.Equal(0.01 * 0.015 / (0.015 + 0.01 * q), timeLeft, 1e-8);
    }

    [Fact]
    public void TheCrossingFractionMatchesTheExactRootWithoutCancellation()
    {
        var random = new System.Random(12);
        for (var trial = 0; trial < 200_000; trial++)
        {
            var d = (float)Math.Pow(10, -8 * random.NextDouble());
            var scale = (float)Math.Pow(10, 4 * random.NextDouble() - 2);
            var b = (float)((2 * random.NextDouble() - 1) * scale);
            var aMin = d - b; // a + b >= d
            var a = (float)(aMin + Math.Abs(aMin) * random.NextDouble() * (random.Next(2) == 0 ? 0.001 : 10));
            if (a + b < d || (a == 0 && b <= 0))
            {
                continue;
            }

            var s = SplittingScheme.CrossingFraction(d, a, b);
            var exact = SmallestRootInUnitInterval(d, a, b);
            Assert.True(Math.Abs(s - exact) <= 4e-6 * exact + 1e-30, $"d {d} a {a} b {b}: s {s}, exact {exact}");
        }
    }

    private static double SmallestRootInUnitInterval(double d, double a, double b)
    {
        // a s^2 + b s - d = 0 in double: stable roots q/a and -d/q with q = -(b + sign(b) sqrt(b^2 + 4ad)) / 2.
        var disc = Math.Max(b * b + 4 * a * d, 0);
        var q = -0.5 * (b + (b >= 0 ? 1 : -1) * Math.Sqrt(disc));
        var roots = new[] { a != 0 ? q / a : double.NaN, q != 0 ? -d / q : double.NaN };
        return Math.Min(1, roots.Where(r => r >= 0 && !double.IsNaN(r)).DefaultIfEmpty(1).Min());
    }

    private static MetricGraph Segment(VertexKind tail, VertexKind head, double length, EdgeDrift drift) =>
        new MetricGraphBuilder().AddVertex("a", tail).AddVertex("b", head).AddEdge("e", "a", "b", length, 1, drift).Build();

    /// <summary>The scripted crossings above are the step scheme's (s^2 tau); the bridge's passage times have tests of their own.</summary>
    private static SamplerLayout Layout(MetricGraph graph, float dt, int maxSplits = 100, BoundaryScheme boundary = BoundaryScheme.Step) =>
        new(graph, new SamplingOptions { TimeStep = dt, MaxSplits = maxSplits, Boundary = boundary });

    private struct ScriptedDraws(float[] normals, uint[] words, uint bridgeWord = uint.MaxValue, float touchNormal = float.NaN, uint touchWord = 0) : ISplitDraws
    {
        public int Used { get; private set; }

        public void Draw(int split, out float normal, out uint choiceWord)
        {
            Assert.Equal(Used + 1, split);
            normal = normals[Used];
            choiceWord = words[Used];
            Used++;
        }

        public int TouchesDrawn { get; private set; }

        /// <summary>By default the largest word: u just below 1, -ln u about 6e-8, so no scripted step touches an end by the bridge test.</summary>
        public readonly uint BridgeWord(int split, bool head) => bridgeWord;

        public void TouchDraw(int split, out float normal, out uint word)
        {
            Assert.False(float.IsNaN(touchNormal), "no passage time was scripted");
            normal = touchNormal;
            word = touchWord;
            TouchesDrawn++;
        }
    }
}
