using Orrery.Contracts.MetricGraphs;
using Orrery.MetricGraphs.Graphs;
using Orrery.MetricGraphs.Sampling;

namespace Orrery.MetricGraphs.Tests.Sampling;

/// <summary>
/// The scheme of specs/metric-graphs.md transcribed plainly: one particle at a time, one Philox block per
/// iteration straight from <see cref="ParticleRandom"/>, no lanes, no step pairs, no threads. The fast
/// sampler must agree with it bit for bit.
/// </summary>
internal static class ReferenceSampler
{
    public sealed record Particle(int Edge, float Position, int ExitVertex, long ExitTicks, long Steps, long Splits, long Truncated, List<(long Step, int Edge, float X)> Samples);

    public static Particle Run(MetricGraph graph, SamplingOptions options, long id, int edge, float x)
    {
        var dt = options.TimeStep;
        var samples = new List<(long, int, float)>();
        long steps = 0, splitsTotal = 0, truncated = 0;
        for (long j = 0; j < options.Steps; j++)
        {
            steps++;
            var tau = dt;
            var splits = 0;
            while (true)
            {
                var block = ParticleRandom.StepBlock(options.Seed, id, j, splits);
                var w = ParticleRandom.Normal(block, j);
                var L = graph.Lengths[edge];
                if (x == 0f)
                {
                    w = Math.Abs(w);
                }
                else if (x == L)
                {
                    w = -Math.Abs(w);
                }

                var a = Drift(graph, edge, x);
                var A = tau * a;
                var scale = graph.Sigmas[edge] * MathF.Sqrt(tau);
                var B = scale * w;
                var next = (x + A) + B;
                bool head;
                var bridgeScheme = options.Boundary == BoundaryScheme.Bridge;
                if (next > 0f && next < L)
                {
                    // Brownian-bridge touch of either end, tail first: P = exp(-2 d0 d1 / (sigma^2 tau)); not the end it starts on.
                    bool? touchedHead = null;
                    var touchArgument = 0f;
                    if (bridgeScheme)
                    {
                        var bridge = ParticleRandom.BridgeBlock(options.Seed, id, j, splits);
                        foreach (var toHead in new[] { false, true })
                        {
                            var d0 = toHead ? L - x : x;
                            var d1 = toHead ? L - next : next;
                            var argument = (2f * (d0 * d1)) / (scale * scale);
                            var touch = PortableBoxMuller.Uniform(ParticleRandom.BridgeWord(bridge, j, toHead));
                            if (d0 > 0f && -PortableBoxMuller.Log(touch) > argument)
                            {
                                touchedHead = toHead;
                                touchArgument = argument;
                                break;
                            }
                        }
                    }

                    if (touchedHead is not { } touched)
                    {
                        x = next;
                        break;
                    }

                    head = touched;
                    tau = PassageTimeLeft(options, id, j, splits, tau, head ? L - x : x, head ? L - next : next, touchArgument);
                }
                else
                {
                    head = next >= L;
                    var d = head ? L - x : x;
                    if (bridgeScheme)
                    {
                        var overshoot = head ? next - L : -next;
                        tau = PassageTimeLeft(options, id, j, splits, tau, d, overshoot, (2f * (d * overshoot)) / (scale * scale));
                    }
                    else
                    {
                        var aOut = head ? A : -A;
                        var bOut = head ? B : -B;
                        var disc = MathF.Max(MathF.FusedMultiplyAdd(bOut, bOut, 4f * aOut * d), 0f);
                        var s = bOut > 0f ? (2f * d) / (bOut + MathF.Sqrt(disc)) : (MathF.Sqrt(disc) - bOut) / (2f * aOut);
                        s = s < 1f ? s : 1f;
                        tau = tau * (1f - s * s);
                    }
                }

                splits++;
                var v = head ? graph.EdgeHeads[edge] : graph.EdgeTails[edge];
                if (graph.VertexKinds[v] == VertexKind.Absorbing)
                {
                    var ticks = (j << 20) + (long)MathF.Round((dt - tau) / dt * 1048576f);
                    return new Particle(edge, head ? L : 0f, v, ticks, steps, splitsTotal + splits, truncated, samples);
                }

                var u = PortableBoxMuller.Uniform(ParticleRandom.EdgeChoiceWord(block, j));
                var i = graph.IncidenceOffsets[v];
                while (u >= graph.IncidenceCumulativeWeights[i])
                {
                    i++;
                }

                edge = graph.IncidenceEdges[i];
                x = graph.IncidenceEnds[i] == EdgeEnd.Tail ? 0f : graph.Lengths[edge];
                if (!(tau > 0f))
                {
                    break;
                }

                if (splits == options.MaxSplits)
                {
                    truncated++;
                    break;
                }
            }

            splitsTotal += splits;
            if ((j + 1) % options.SampleEvery == 0)
            {
                samples.Add((j, edge, x));
            }
        }

        return new Particle(edge, x, -1, 0, steps, splitsTotal, truncated, samples);
    }

    /// <summary>
    /// The time left after the bridge from d0 to d1 (either side) first reached the vertex: s = t* / (tau - t*) is
    /// inverse Gaussian IG(d0 / d1, d0^2 / (sigma^2 tau)), drawn by Michael-Schucany-Haas, x = mu + mu^2 y / (2 lambda) -
    /// mu / (2 lambda) sqrt(4 mu lambda y + mu^2 y^2) written as mu / q (no cancellation), kept when u &lt;= mu / (mu + x).
    /// </summary>
    private static float PassageTimeLeft(SamplingOptions options, long id, long j, int splits, float tau, float d0, float d1, float argument)
    {
        if (!(argument > 0f))
        {
            return d0 <= d1 ? tau : 0f;
        }

        var block = ParticleRandom.TouchBlock(options.Seed, id, j, splits);
        var y = ParticleRandom.Normal(block, j);
        var u = PortableBoxMuller.Uniform(ParticleRandom.EdgeChoiceWord(block, j));
        var r = (y * y) / argument; // mu y / (2 lambda)
        var q = (1f + r) + MathF.Sqrt(r * (r + 2f));
        var muTimesD1 = u * (q + 1f) <= q ? d0 / q : d0 * q; // s d1: mu / q or mu^2 / x = mu q
        return tau * (d1 / (d1 + muTimesD1));
    }

    private static float Drift(MetricGraph graph, int edge, float x)
    {
        if (graph.DriftKinds[edge] != DriftKind.PiecewiseLinearPotential)
        {
            return MathF.FusedMultiplyAdd(graph.DriftSlopes[edge], x, graph.DriftOffsets[edge]);
        }

        var k = graph.PotentialOffsets[edge];
        while (k < graph.PotentialOffsets[edge + 1] - 2 && x >= graph.PotentialPositions[k + 1])
        {
            k++;
        }

        return graph.PotentialSegmentDrifts[k];
    }
}
