using System.Runtime.CompilerServices;
using Orrery.Compute.Random;

namespace Orrery.MetricGraphs.Sampling;

/// <summary>
/// Where every random number of a particle comes from. A particle's path depends only on
/// (seed, particle id): whichever ensemble, silo, thread, SIMD lane or device computes it. The CUDA
/// kernel must use this layout word for word.
/// <para><b>Key</b> (64 bits): the run's seed, key0 = seed &amp; 0xFFFFFFFF, key1 = seed &gt;&gt; 32.</para>
/// <para><b>Counter</b> for particle p (64-bit id), step j (0-based, counted from the start of the run) and
/// split iteration k (0 for the first move of the step, k after the step's k-th vertex crossing):</para>
/// <code>
/// c0 = (uint)p          c1 = (uint)(p &gt;&gt; 32)
/// c2 = (uint)(j &gt;&gt; 1)   c3 = (uint)k
/// </code>
/// that is <c>Philox4x32.Generate(seed, stream: p, draw: ((ulong)k &lt;&lt; 32) | (j &gt;&gt; 1))</c>. One block
/// serves two consecutive steps (the pair j = 2i, 2i + 1), so the common case costs one Philox block
/// and one Box–Muller per two particle-steps:
/// <list type="bullet">
/// <item>the normal w of iteration k of step j: (z0, z1) = Box–Muller(X0, X1) (<see cref="PortableBoxMuller.Transform(uint, uint)"/>);
/// z0 if j is even, z1 if j is odd;</item>
/// <item>the uniform that chooses the next edge at the vertex reached in iteration k of step j:
/// <see cref="PortableBoxMuller.Uniform(uint)"/> of X2 if j is even, of X3 if j is odd.</item>
/// </list>
/// <para><b>Bridge tests</b> (<see cref="Orrery.Contracts.MetricGraphs.BoundaryScheme.Bridge"/>) have their own stream, so
/// that drawing them or not leaves every other number in place: counter (c0, c1, (uint)(j &gt;&gt; 1), 0x80000000 | k),
/// one block per step pair and iteration; the uniform tested against the tail of the edge is X0 (j even) or X2
/// (j odd), the one for the head X1 (j even) or X3 (j odd). It is drawn only where a touch is possible at all.</para>
/// <para><b>Passage times</b> (also <see cref="Orrery.Contracts.MetricGraphs.BoundaryScheme.Bridge"/> only): when iteration k
/// touches or crosses a vertex, the time it got there is drawn from counter (c0, c1, (uint)(j &gt;&gt; 1), 0xC0000000 | k)
/// laid out like a step block: the normal z0 (j even) or z1 (j odd) of Box–Muller(X0, X1), the uniform of X2 (j even)
/// or X3 (j odd) (<see cref="SplittingScheme.TimeLeftAfterTouch"/>).</para>
/// <para><b>Initial placement</b> uses the counter (c0, c1, 0xFFFFFFFF, 0xFFFFFFFF), which no step
/// uses because k &lt; 2^32 - 1: X0 picks the source vertex or the edge, X1 the position along the edge,
/// X2 the edge at a start vertex (see <see cref="InitialCondition"/>).</para>
/// <para>Limits: j &lt; 2^33 steps; k is at most <see cref="SamplingOptions.MaxSplits"/> (&lt;= 10^6).</para>
/// </summary>
public static class ParticleRandom
{
    /// <summary>The draw index (c2, c3) = (0xFFFFFFFF, 0xFFFFFFFF) of the initial placement.</summary>
    public const ulong InitialDraw = ulong.MaxValue;

    /// <summary>The Philox draw index of iteration <paramref name="split"/> of step <paramref name="step"/>: ((ulong)k &lt;&lt; 32) | (j &gt;&gt; 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Draw(long step, int split) => ((ulong)(uint)split << 32) | ((ulong)step >> 1);

    /// <summary>The block for iteration <paramref name="split"/> of step <paramref name="step"/> of particle <paramref name="particle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock StepBlock(ulong seed, long particle, long step, int split) =>
        Philox4x32.Generate(seed, (ulong)particle, Draw(step, split));

    /// <summary>The first c3 of the bridge-test stream: iteration k uses 0x80000000 | k.</summary>
    public const uint BridgeStream = 0x8000_0000;

    /// <summary>The bridge-test block of iteration <paramref name="split"/> of step <paramref name="step"/> of particle <paramref name="particle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock BridgeBlock(ulong seed, long particle, long step, int split) =>
        Philox4x32.Generate(seed, (ulong)particle, ((ulong)(BridgeStream | (uint)split) << 32) | ((ulong)step >> 1));

    /// <summary>The first c3 of the passage-time stream: iteration k uses 0xC0000000 | k.</summary>
    public const uint TouchStream = 0xC000_0000;

    /// <summary>The passage-time block of iteration <paramref name="split"/> of step <paramref name="step"/> of particle <paramref name="particle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock TouchBlock(ulong seed, long particle, long step, int split) =>
        Philox4x32.Generate(seed, (ulong)particle, ((ulong)(TouchStream | (uint)split) << 32) | ((ulong)step >> 1));

    /// <summary>The word whose uniform tests a touch of the tail (<paramref name="head"/> false) or head of the edge in step <paramref name="step"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint BridgeWord(PhiloxBlock block, long step, bool head) =>
        (step & 1) == 0 ? (head ? block.X1 : block.X0) : (head ? block.X3 : block.X2);

    /// <summary>The block of the initial placement of particle <paramref name="particle"/>.</summary>
    public static PhiloxBlock InitialBlock(ulong seed, long particle) => Philox4x32.Generate(seed, (ulong)particle, InitialDraw);

    /// <summary>The standard normal that step <paramref name="step"/> takes from <paramref name="block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Normal(PhiloxBlock block, long step)
    {
        var (z0, z1) = PortableBoxMuller.Transform(block.X0, block.X1);
        return (step & 1) == 0 ? z0 : z1;
    }

    /// <summary>The word whose uniform chooses the next edge at a vertex reached in step <paramref name="step"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint EdgeChoiceWord(PhiloxBlock block, long step) => (step & 1) == 0 ? block.X2 : block.X3;
}
