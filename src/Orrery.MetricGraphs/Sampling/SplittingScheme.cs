using System.Runtime.CompilerServices;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// One step of size dt of one particle: the timestep-splitting Euler–Maruyama scheme of
/// specs/metric-graphs.md, in single precision, with every operation in a fixed order so that a
/// device kernel written the same way gives the same bits. Iteration k of the step (k = splits so far):
/// <code>
/// L = L_e; if x == 0: w = |w|; else if x == L: w = -|w|          (at a vertex: into the edge)
/// a = kind == piecewise ? drift of the segment holding x          (knot k with x_k &lt;= x &lt; x_{k+1})
///                       : fma(slope_e, x, offset_e)                (none, constant, linear)
/// A = tau * a;  B = (sigma_e * sqrt_tau) * w;  x' = (x + A) + B     (sqrt_tau = sqrt(dt) when k = 0)
/// if 0 &lt; x' &lt; L:
///   bridge tests (BoundaryScheme.Bridge only), tail first, each end only if x is not on it:
///     d0, d1 = distances of x and x' from the end; var = (sigma_e sqrt_tau)^2; arg = (2 (d0 d1)) / var
///     touched if arg &lt; 23 and -ln(uniform(bridge word)) &gt; arg          (P = exp(-arg), the Brownian bridge's)
///   not touched: x = x'; done
///   touched: tau = TimeLeftAfterTouch(tau, d0, d1, arg, touch draws); head = the touched end is the head
/// else (crossed end: the head if x' &gt;= L, else the tail):
///   BoundaryScheme.Bridge: d = distance of x from the end, b = overshoot of x' beyond it;
///     tau = TimeLeftAfterTouch(tau, d, b, (2 (d b)) / var, touch draws)   (the bridge's passage time)
///   BoundaryScheme.Step, in outward coordinates (sign +1 at the head, -1 at the tail):
///     d = head ? L - x : x;  a' = ±A;  b' = ±B                         (d &gt;= 0, a' + b' &gt;= d)
///     s solves a' s^2 + b' s = d in (0, 1]:  disc = max(fma(b', b', (4 a') d), 0), r = sqrt(disc)
///     s = b' &gt; 0 ? (2 d) / (b' + r) : (r - b') / (2 a')               (no cancellation in either branch)
///     s = s &lt; 1 ? s : 1                                                (also maps NaN, from a' = b' = d = 0, to 1)
///     tau = tau * (1 - s * s)                                          (time left after reaching the vertex)
/// splits += 1                                                          (touches count as splits)
/// v = head ? head_e : tail_e
/// absorbing v: exit at time (j + 1) dt - tau, retire; done
/// u = uniform(choice word); i = first incidence of v with u &lt; cumulative weight;
///   e = edge_i; x = end_i == tail ? 0 : L_e                           (the edge it came from included)
/// if !(tau &gt; 0): done                                                (reached v exactly at the step's end)
/// if splits == max_splits: truncated; done                            (counted, never dropped silently)
/// next iteration with the draws of iteration k + 1; sqrt_tau = sqrt(tau)
/// </code>
/// A touched vertex is handled as a crossed one: by the strong Markov property the path goes on from the vertex
/// at its passage time, absorbed there or into an edge drawn with the jump weights, with fresh draws.
/// The crossed end is read from x' alone. The interpolated path x + s^2 A + s B could in principle leave
/// through the other end first (a drift of the opposite sign stronger than the edge is long); that needs
/// |A| comparable to L and is ignored, as in the spec.
/// </summary>
internal static class SplittingScheme
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static StepOutcome Step<TDraws>(SamplerLayout g, ref int edge, ref float position, float normal, uint choiceWord, ref TDraws draws,
        out int splits, out int exitVertex, out float timeLeft)
        where TDraws : struct, ISplitDraws
    {
        var e = edge;
        var x = position;
        var w = normal;
        var tau = g.TimeStep;
        var sqrtTau = g.SqrtTimeStep;
        splits = 0;
        while (true)
        {
            var length = g.Lengths[e];
            if (x == 0f)
            {
                w = MathF.Abs(w);
            }
            else if (x == length)
            {
                w = -MathF.Abs(w);
            }

            var a = g.DriftKinds[e] == DriftKind.PiecewiseLinearPotential
                ? PiecewiseDrift(g, e, x)
                : MathF.FusedMultiplyAdd(g.DriftSlopes[e], x, g.DriftOffsets[e]);
            var driftPart = tau * a;
            var noiseScale = g.Sigmas[e] * sqrtTau;
            var noisePart = noiseScale * w;
            var next = (x + driftPart) + noisePart;
            bool atVertexHead;
            if (next > 0f && next < length)
            {
                var bridge = g.BridgeEnds[e];
                var touchedHead = false;
                var touched = false;
                var argument = 0f;
                if (bridge != 0)
                {
                    // The move stayed inside: did the path touch an end on the way? Tail first; an end the particle
                    // starts on is not tested (a path from a vertex touches it at once: its edge was just drawn there).
                    var variance = noiseScale * noiseScale;
                    touched = (bridge & SamplerLayout.TailBridge) != 0 && x > 0f && Touched(x, next, variance, ref draws, splits, head: false, out argument);
                    if (!touched && (bridge & SamplerLayout.HeadBridge) != 0 && x < length)
                    {
                        touched = touchedHead = Touched(length - x, length - next, variance, ref draws, splits, head: true, out argument);
                    }
                }

                if (!touched)
                {
                    edge = e;
                    position = next;
                    exitVertex = -1;
                    timeLeft = 0;
                    return StepOutcome.Completed;
                }

                // Touched: the path reached the vertex at a time drawn from the bridge's first-passage law and, by the
                // strong Markov property, goes on from there as from a crossing (absorbed, or a new edge and fresh draws).
                draws.TouchDraw(splits, out var touchNormal, out var touchWord);
                tau = TimeLeftAfterTouch(tau, touchedHead ? length - x : x, touchedHead ? length - next : next, argument, touchNormal, PortableBoxMuller.Uniform(touchWord));
                atVertexHead = touchedHead;
            }
            else
            {
                var atHead = next >= length;
                if ((g.BridgeEnds[e] & SamplerLayout.BridgeCrossing) != 0)
                {
                    // The crossing time of the bridge from distance d to the overshoot b beyond the end (it hits surely).
                    var distance = atHead ? length - x : x;
                    var overshoot = atHead ? next - length : -next;
                    draws.TouchDraw(splits, out var touchNormal, out var touchWord);
                    tau = TimeLeftAfterTouch(tau, distance, overshoot, (2f * (distance * overshoot)) / (noiseScale * noiseScale),
                        touchNormal, PortableBoxMuller.Uniform(touchWord));
                }
                else
                {
                    var s = CrossingFraction(atHead ? length - x : x, atHead ? driftPart : -driftPart, atHead ? noisePart : -noisePart);
                    tau *= 1f - s * s;
                }

                atVertexHead = atHead;
            }

            splits++;
            var vertex = atVertexHead ? g.EdgeHeads[e] : g.EdgeTails[e];
            if (g.VertexKinds[vertex] == VertexKind.Absorbing)
            {
                edge = e;
                position = atVertexHead ? length : 0f;
                exitVertex = vertex;
                timeLeft = tau;
                return StepOutcome.Exited;
            }

            var incidence = ChooseIncidence(g, vertex, PortableBoxMuller.Uniform(choiceWord));
            e = g.IncidenceEdges[incidence];
            x = g.IncidenceEnds[incidence] == EdgeEnd.Tail ? 0f : g.Lengths[e];
            if (!(tau > 0f) || splits == g.MaxSplits)
            {
                edge = e;
                position = x;
                exitVertex = -1;
                timeLeft = tau;
                return tau > 0f ? StepOutcome.Truncated : StepOutcome.Completed;
            }

            draws.Draw(splits, out w, out choiceWord);
            sqrtTau = MathF.Sqrt(tau);
        }
    }

    /// <summary>
    /// Touch tests with an argument at or above this are never drawn: the smallest uniform is 2^-33, whose
    /// -ln is 22.87, so such a test could not succeed (skipping the draw changes no outcome).
    /// </summary>
    public const float BridgeCutoff = 23f;

    /// <summary>
    /// Whether a Brownian path that moved from distance <paramref name="startDistance"/> d0 to
    /// <paramref name="endDistance"/> d1 of an end (both &gt; 0 inside the edge) with noise variance
    /// <paramref name="variance"/> = (sigma sqrt(tau))^2 touched that end: with probability exp(-2 d0 d1 / variance),
    /// the Brownian bridge's, which a constant drift does not change. The test is -ln u &gt; 2 d0 d1 / variance with
    /// u the bridge stream's uniform (<see cref="ParticleRandom.BridgeBlock"/>), drawn only when the argument is
    /// below <see cref="BridgeCutoff"/>. <paramref name="argument"/> is 2 d0 d1 / variance.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Touched<TDraws>(float startDistance, float endDistance, float variance, ref TDraws draws, int split, bool head, out float argument)
        where TDraws : struct, ISplitDraws
    {
        argument = (2f * (startDistance * endDistance)) / variance;
        return argument < BridgeCutoff && -PortableBoxMuller.Log(PortableBoxMuller.Uniform(draws.BridgeWord(split, head))) > argument;
    }

    /// <summary>
    /// The time left of a (sub)step <paramref name="tau"/> after a Brownian path that went from distance d0 =
    /// <paramref name="startDistance"/> of a vertex to distance d1 = <paramref name="endDistance"/> (on the same side,
    /// having touched it; or beyond it, having crossed it) first reached the vertex, drawn from the bridge's
    /// first-passage law. With t* the passage time, s = t* / (tau - t*) is inverse Gaussian with mean d0 / d1 and shape
    /// d0^2 / (sigma^2 tau) (the same for both cases: a touching bridge to d1 and a crossing one to -d1 have the same
    /// passage law, by reflection), drawn by Michael, Schucany and Haas from a normal <paramref name="normal"/> and a uniform
    /// <paramref name="uniform"/>; <paramref name="argument"/> = 2 d0 d1 / (sigma^2 tau). In float, in this order:
    /// <code>
    /// if !(argument &gt; 0): return d0 &lt;= d1 ? tau : 0                      (d0 d1 underflowed: passage at one end)
    /// r = (normal * normal) / argument;  q = (1 + r) + sqrt(r * (r + 2))      (q &gt;= 1; x = (d0 / d1) / q is MSH's root)
    /// ratio = uniform * (q + 1) &lt;= q ? d0 / q : d0 * q                      (s = ratio / d1)
    /// return tau * (d1 / (d1 + ratio))                                         (tau / (1 + s))
    /// </code>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TimeLeftAfterTouch(float tau, float startDistance, float endDistance, float argument, float normal, float uniform)
    {
        if (!(argument > 0f))
        {
            return startDistance <= endDistance ? tau : 0f;
        }

        var r = (normal * normal) / argument;
        var q = (1f + r) + MathF.Sqrt(r * (r + 2f));
        var ratio = uniform * (q + 1f) <= q ? startDistance / q : startDistance * q;
        return tau * (endDistance / (endDistance + ratio));
    }

    /// <summary>
    /// The s in [0, 1] at which the interpolated path x + s^2 A + s B reaches the crossed end, in outward
    /// coordinates: <paramref name="distance"/> d &gt;= 0 to the end, a' s^2 + b' s = d with a' + b' &gt;= d.
    /// Of the two roots it is the smallest positive one; each branch adds numbers of the same sign.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float CrossingFraction(float distance, float drift, float noise)
    {
        var discriminant = MathF.Max(MathF.FusedMultiplyAdd(noise, noise, 4f * drift * distance), 0f);
        var root = MathF.Sqrt(discriminant);
        var s = noise > 0f ? (2f * distance) / (noise + root) : (root - noise) / (2f * drift);
        return s < 1f ? s : 1f;
    }

    /// <summary>The exit time in ticks of dt / 2^20 of a particle absorbed in step <paramref name="step"/> with <paramref name="timeLeft"/> of the step unused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ExitTicks(long step, float timeStep, float timeLeft) =>
        (step << SamplingOptions.ExitTicksPerStepLog2) + (long)MathF.Round((timeStep - timeLeft) / timeStep * (1 << SamplingOptions.ExitTicksPerStepLog2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ChooseIncidence(SamplerLayout g, int vertex, float u)
    {
        var i = g.IncidenceOffsets[vertex];
        var cumulative = g.IncidenceCumulativeWeights;
        while (u >= cumulative[i])
        {
            i++;
        }

        return i;
    }

    private static float PiecewiseDrift(SamplerLayout g, int edge, float x)
    {
        var k = g.PotentialOffsets[edge];
        var lastSegment = g.PotentialOffsets[edge + 1] - 2;
        var knots = g.PotentialPositions;
        while (k < lastSegment && x >= knots[k + 1])
        {
            k++;
        }

        return g.PotentialSegmentDrifts[k];
    }
}
