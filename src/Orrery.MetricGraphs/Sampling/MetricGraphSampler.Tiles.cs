using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Orrery.Compute.Random;
using Orrery.MetricGraphs.Graphs;

namespace Orrery.MetricGraphs.Sampling;

public sealed partial class MetricGraphSampler
{
    /// <summary>
    /// Particles per tile: 16 arrays of 512 x 4 B = 32 KB (positions, edges, the edge parameters each lane
    /// steps with, masks, and the draws of one step pair), inside a 32-48 KB L1 data cache, so a tile runs
    /// all its steps without touching memory beyond the histogram.
    /// </summary>
    private const int TileParticles = 512;

    private const int Lanes = 8;

    /// <summary>Tiles are padded to 16 particles so the draw pass can use 512-bit vectors where the CPU has them.</summary>
    private const int WideLanes = 16;

    private static readonly bool Wide = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private void AdvanceBlock(EnsembleState state, int first, int end, long startStep, long endStep, SamplingAccumulator accumulator)
    {
        var tile = new Tile(Math.Min(TileParticles, end - first));
        for (var start = first; start < end; start += TileParticles)
        {
            AdvanceTile(tile, state, start, Math.Min(TileParticles, end - start), startStep, endStep, accumulator);
        }
    }

    /// <summary>
    /// Particles first .. first + count - 1 through steps [startStep, endStep). Each step pair begins with a
    /// pass that draws one Philox block and two Box–Muller normals per particle, eight particles per
    /// vector, in a loop whose iterations are independent (so the CPU overlaps them instead of waiting on
    /// the 10-round dependency chain). Then each step is one pass of eight-lane vector arithmetic doing the
    /// first iteration of <see cref="SplittingScheme.Step"/> exactly as it does, with the edge parameters
    /// kept per particle; only lanes whose move leaves the edge (a few per cent of particle-steps) or whose
    /// edge has a piecewise potential go through the scalar scheme, which recomputes that iteration from the
    /// same normal and continues with the splits.
    /// </summary>
    private void AdvanceTile(Tile t, EnsembleState state, int first, int count, long startStep, long endStep, SamplingAccumulator accumulator)
    {
        var g = _layout;
        var options = Options;
        var seed = options.Seed;
        var sampleEvery = options.SampleEvery;
        var windowSteps = options.EffectiveWindowSteps;
        var cellsPerWindow = g.EdgeCount * g.BinsPerEdge;
        var exitHistogramTicks = options.EffectiveExitTimeSteps << SamplingOptions.ExitTicksPerStepLog2;
        var padded = (count + WideLanes - 1) & ~(WideLanes - 1);
        var firstParticle = state.FirstParticle + first;

        var aliveCount = 0;
        for (var i = 0; i < padded; i++)
        {
            var live = i < count && state.ExitVertexArray[first + i] == EnsembleState.Alive;
            t.Alive[i] = live ? AllBits : 0f;
            aliveCount += live ? 1 : 0;
            t.Edges[i] = i < count ? state.EdgeArray[first + i] : 0;
            t.Positions[i] = i < count ? state.PositionArray[first + i] : 0f;
            t.IdLow[i] = (uint)(firstParticle + i);
            t.IdHigh[i] = (uint)((ulong)(firstParticle + i) >> 32);
            t.LoadEdge(g, i, t.Edges[i]);
        }

        ref var x0 = ref MemoryMarshal.GetArrayDataReference(t.Positions);
        ref var length0 = ref MemoryMarshal.GetArrayDataReference(t.Lengths);
        ref var noise0 = ref MemoryMarshal.GetArrayDataReference(t.NoiseScales);
        ref var offset0 = ref MemoryMarshal.GetArrayDataReference(t.Offsets);
        ref var slope0 = ref MemoryMarshal.GetArrayDataReference(t.Slopes);
        ref var piecewise0 = ref MemoryMarshal.GetArrayDataReference(t.Piecewise);
        ref var alive0 = ref MemoryMarshal.GetArrayDataReference(t.Alive);
        ref var tailBridge0 = ref MemoryMarshal.GetArrayDataReference(t.TailBridge);
        ref var headBridge0 = ref MemoryMarshal.GetArrayDataReference(t.HeadBridge);
        ref var idLow0 = ref MemoryMarshal.GetArrayDataReference(t.IdLow);
        ref var idHigh0 = ref MemoryMarshal.GetArrayDataReference(t.IdHigh);
        var key0 = (uint)seed;
        var key1 = (uint)(seed >> 32);
        var bridgeStream = Vector256.Create(ParticleRandom.BridgeStream);
        var bridgeCutoff = Vector256.Create(SplittingScheme.BridgeCutoff);
        var timeStep = Vector256.Create(g.TimeStep);
        var signBit = Vector256.Create(-0f);
        var bridgeTests = g.HasBridgeEnds;
        var two = Vector256.Create(2f);
        var bridgeFilter = Vector256.Create(BridgeFilter);
        long particleSteps = 0, splitCount = 0, truncated = 0;
        for (var step = startStep; step < endStep && aliveCount > 0; step++)
        {
            if ((step & 1) == 0 || step == startStep)
            {
                DrawStepPair(t, padded, step >> 1, seed);
            }

            var odd = (step & 1) != 0;
            var normals = odd ? t.NormalsOdd : t.NormalsEven;
            var words = odd ? t.WordsOdd : t.WordsEven;
            ref var normal0 = ref MemoryMarshal.GetArrayDataReference(normals);
            particleSteps += aliveCount;
            var pending = 0;
            var pairVector = Vector256.Create((uint)(step >> 1));
            for (var c = 0; c < padded; c += Lanes)
            {
                var offset = (nuint)c;
                var alive = Vector256.LoadUnsafe(ref alive0, offset);
                if (alive.ExtractMostSignificantBits() == 0)
                {
                    continue;
                }

                // Iteration 0: at a vertex the normal points into the edge; a = fma(slope, x, offset);
                // x' = (x + dt a) + (sigma sqrt(dt)) w, the operations and their order of SplittingScheme.Step.
                var x = Vector256.LoadUnsafe(ref x0, offset);
                var length = Vector256.LoadUnsafe(ref length0, offset);
                var normal = Vector256.LoadUnsafe(ref normal0, offset);
                var magnitude = Vector256.Abs(normal);
                var w = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), magnitude,
                    Vector256.ConditionalSelect(Vector256.Equals(x, length), magnitude ^ signBit, normal));
                var a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref slope0, offset), x, Vector256.LoadUnsafe(ref offset0, offset));
                var noiseScale = Vector256.LoadUnsafe(ref noise0, offset);
                var next = (x + timeStep * a) + noiseScale * w;
                var inside = Vector256.GreaterThan(next, Vector256<float>.Zero) & Vector256.LessThan(next, length);
                var done = inside & Vector256.AndNot(alive, Vector256.LoadUnsafe(ref piecewise0, offset));
                if (bridgeTests)
                {
                    // The bridge test, first as a filter: a lane whose 2 d0 d1 reaches 24 (sigma^2 dt) cannot touch
                    // (the scalar test needs 2 d0 d1 / (sigma^2 dt) < 23), so it stays done. Where a lane is nearer,
                    // the whole vector draws its bridge block and tests exactly with SplittingScheme.Touched's
                    // operations (the vector log gives the scalar one's bits); only lanes that touched an end finish
                    // the step in the scalar scheme, which draws the same words and decides the same way.
                    var variance = noiseScale * noiseScale;
                    var limit = bridgeFilter * variance;
                    var tail = Vector256.LoadUnsafe(ref tailBridge0, offset) & Vector256.LessThan(two * (x * next), limit);
                    var head = Vector256.LoadUnsafe(ref headBridge0, offset) & Vector256.LessThan(two * ((length - x) * (length - next)), limit);
                    var near = done & (tail | head);
                    if (near != Vector256<float>.Zero)
                    {
                        var c0 = Vector256.LoadUnsafe(ref idLow0, offset);
                        var c1 = Vector256.LoadUnsafe(ref idHigh0, offset);
                        var c2 = pairVector;
                        var c3 = bridgeStream;
                        PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, key0, key1);
                        var tailArgument = (two * (x * next)) / variance;
                        var headArgument = (two * ((length - x) * (length - next))) / variance;
                        var tailLog = -PortableBoxMuller.Log(PortableBoxMuller.Uniform(odd ? c2 : c0));
                        var headLog = -PortableBoxMuller.Log(PortableBoxMuller.Uniform(odd ? c3 : c1));
                        var touched = (tail & Vector256.GreaterThan(x, Vector256<float>.Zero) & Vector256.LessThan(tailArgument, bridgeCutoff)
                                & Vector256.GreaterThan(tailLog, tailArgument))
                            | (head & Vector256.LessThan(x, length) & Vector256.LessThan(headArgument, bridgeCutoff) & Vector256.GreaterThan(headLog, headArgument));
                        done = Vector256.AndNot(done, near & touched);
                    }
                }

                Vector256.ConditionalSelect(done, next, x).StoreUnsafe(ref x0, offset);

                var rest = Vector256.AndNot(alive, done).ExtractMostSignificantBits();
                while (rest != 0)
                {
                    t.Pending[pending++] = c + BitOperations.TrailingZeroCount(rest);
                    rest &= rest - 1;
                }
            }

            if (pending > 0)
            {
                // The particles that reached a vertex (or sit on a piecewise potential) finish their step in the
                // scalar scheme. Their draws for iteration 1 come from one vectorised pass over all of them.
                DrawFirstSplit(t, pending, step, seed, bridgeTests);
                for (var j = 0; j < pending; j++)
                {
                    var i = t.Pending[j];
                    var edge = t.Edges[i];
                    var position = t.Positions[i];
                    var draws = bridgeTests
                        ? new PreparedSplitDraws(seed, firstParticle + i, step, t.SplitNormals[j], t.SplitWords[j], t.SplitTailWords[j], t.SplitHeadWords[j], t.SplitTouchNormals[j], t.SplitTouchWords[j])
                        : new PreparedSplitDraws(seed, firstParticle + i, step, t.SplitNormals[j], t.SplitWords[j]);
                    var outcome = SplittingScheme.Step(g, ref edge, ref position, normals[i], words[i], ref draws, out var splits, out var exitVertex, out var timeLeft);
                    splitCount += splits;
                    t.Positions[i] = position;
                    if (edge != t.Edges[i])
                    {
                        t.Edges[i] = edge;
                        t.LoadEdge(g, i, edge);
                    }

                    if (outcome == StepOutcome.Exited)
                    {
                        t.Alive[i] = 0f;
                        aliveCount--;
                        var ticks = SplittingScheme.ExitTicks(step, g.TimeStep, timeLeft);
                        state.ExitVertexArray[first + i] = exitVertex;
                        state.ExitTickArray[first + i] = ticks;
                        accumulator.RecordExit(exitVertex, ticks, exitHistogramTicks, options.ExitTimeBins);
                    }
                    else if (outcome == StepOutcome.Truncated)
                    {
                        truncated++;
                    }
                }
            }

            if ((step + 1) % sampleEvery == 0)
            {
                var window = (int)(step / windowSteps) * cellsPerWindow;
                var occupation = accumulator.Occupation;
                for (var i = 0; i < padded; i++)
                {
                    if (t.Alive[i] != 0f)
                    {
                        var edge = t.Edges[i];
                        occupation[window + edge * g.BinsPerEdge + Math.Min((int)(t.Positions[i] * g.BinScales[edge]), g.BinsPerEdge - 1)]++;
                    }
                }
            }
        }

        for (var i = 0; i < count; i++)
        {
            state.EdgeArray[first + i] = t.Edges[i];
            state.PositionArray[first + i] = t.Positions[i];
        }

        accumulator.ParticleSteps += particleSteps;
        accumulator.Splits += splitCount;
        accumulator.TruncatedSteps += truncated;
    }

    /// <summary>
    /// The iteration-0 draws of step pair <paramref name="pair"/> for the tile's particles: normals z0, z1 and
    /// words X2, X3. Sixteen particles per vector with AVX-512, else eight; the words are the same either way.
    /// </summary>
    private static void DrawStepPair(Tile t, int padded, long pair, ulong seed)
    {
        var key0 = (uint)seed;
        var key1 = (uint)(seed >> 32);
        ref var normalsEven = ref MemoryMarshal.GetArrayDataReference(t.NormalsEven);
        ref var normalsOdd = ref MemoryMarshal.GetArrayDataReference(t.NormalsOdd);
        ref var wordsEven = ref MemoryMarshal.GetArrayDataReference(t.WordsEven);
        ref var wordsOdd = ref MemoryMarshal.GetArrayDataReference(t.WordsOdd);
        ref var idLow = ref MemoryMarshal.GetArrayDataReference(t.IdLow);
        ref var idHigh = ref MemoryMarshal.GetArrayDataReference(t.IdHigh);
        if (Wide)
        {
            for (var c = 0; c < padded; c += WideLanes)
            {
                var offset = (nuint)c;
                var c0 = Vector512.LoadUnsafe(ref idLow, offset);
                var c1 = Vector512.LoadUnsafe(ref idHigh, offset);
                var c2 = Vector512.Create((uint)pair);
                var c3 = Vector512<uint>.Zero;
                PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, key0, key1);
                var (z0, z1) = PortableBoxMuller.Transform(c0, c1);
                z0.StoreUnsafe(ref normalsEven, offset);
                z1.StoreUnsafe(ref normalsOdd, offset);
                c2.StoreUnsafe(ref wordsEven, offset);
                c3.StoreUnsafe(ref wordsOdd, offset);
            }

            return;
        }

        for (var c = 0; c < padded; c += Lanes)
        {
            var offset = (nuint)c;
            var c0 = Vector256.LoadUnsafe(ref idLow, offset);
            var c1 = Vector256.LoadUnsafe(ref idHigh, offset);
            var c2 = Vector256.Create((uint)pair);
            var c3 = Vector256<uint>.Zero;
            PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, key0, key1);
            var (z0, z1) = PortableBoxMuller.Transform(c0, c1);
            z0.StoreUnsafe(ref normalsEven, offset);
            z1.StoreUnsafe(ref normalsOdd, offset);
            c2.StoreUnsafe(ref wordsEven, offset);
            c3.StoreUnsafe(ref wordsOdd, offset);
        }
    }

    /// <summary>
    /// The draws of iteration 1 of <paramref name="step"/> for the first <paramref name="pending"/> particles in
    /// <see cref="Tile.Pending"/>, eight at a time: the normal and edge-choice word of <see cref="ParticleRandom"/>'s
    /// layout for split 1 (some go unused: a particle on a piecewise potential may not reach a vertex); with
    /// <paramref name="bridge"/> also iteration 0's bridge words and passage-time normal and word (<see cref="PreparedSplitDraws"/>).
    /// </summary>
    private static void DrawFirstSplit(Tile t, int pending, long step, ulong seed, bool bridge)
    {
        var odd = (step & 1) != 0;
        var pair = Vector256.Create((uint)(step >> 1));
        Span<uint> low = stackalloc uint[Lanes], high = stackalloc uint[Lanes];
        for (var j = 0; j < pending; j += Lanes)
        {
            for (var lane = 0; lane < Lanes; lane++)
            {
                var i = t.Pending[Math.Min(j + lane, pending - 1)];
                low[lane] = t.IdLow[i];
                high[lane] = t.IdHigh[i];
            }

            var id0 = Vector256.Create<uint>(low);
            var id1 = Vector256.Create<uint>(high);
            var offset = (nuint)j;
            Draw(id0, id1, pair, Vector256<uint>.One, seed, odd, ref MemoryMarshal.GetArrayDataReference(t.SplitNormals), ref MemoryMarshal.GetArrayDataReference(t.SplitWords), offset);
            if (bridge)
            {
                // Iteration 0's bridge words (tail, head) and passage-time draws, for the touches and crossings to come.
                var c0 = id0;
                var c1 = id1;
                var c2 = pair;
                var c3 = Vector256.Create(ParticleRandom.BridgeStream);
                PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));
                (odd ? c2 : c0).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(t.SplitTailWords), offset);
                (odd ? c3 : c1).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(t.SplitHeadWords), offset);
                Draw(id0, id1, pair, Vector256.Create(ParticleRandom.TouchStream), seed, odd,
                    ref MemoryMarshal.GetArrayDataReference(t.SplitTouchNormals), ref MemoryMarshal.GetArrayDataReference(t.SplitTouchWords), offset);
            }
        }

        static void Draw(Vector256<uint> c0, Vector256<uint> c1, Vector256<uint> c2, Vector256<uint> c3, ulong seed, bool odd, ref float normals, ref uint words, nuint offset)
        {
            PhiloxLanes.Generate(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));
            var (z0, z1) = PortableBoxMuller.Transform(c0, c1);
            (odd ? z1 : z0).StoreUnsafe(ref normals, offset);
            (odd ? c3 : c2).StoreUnsafe(ref words, offset);
        }
    }

    private static readonly float AllBits = BitConverter.Int32BitsToSingle(-1);

    /// <summary>The vector pass's bridge filter, above <see cref="SplittingScheme.BridgeCutoff"/> by more than any rounding.</summary>
    private const float BridgeFilter = SplittingScheme.BridgeCutoff + 1f;

    /// <summary>One tile's particles, struct-of-arrays, padded to whole vectors.</summary>
    private sealed class Tile
    {
        public Tile(int particles)
        {
            var size = (particles + WideLanes - 1) & ~(WideLanes - 1);
            Positions = new float[size];
            Edges = new int[size];
            Alive = new float[size];
            Lengths = new float[size];
            NoiseScales = new float[size];
            Offsets = new float[size];
            Slopes = new float[size];
            Piecewise = new float[size];
            TailBridge = new float[size];
            HeadBridge = new float[size];
            NormalsEven = new float[size];
            NormalsOdd = new float[size];
            WordsEven = new uint[size];
            WordsOdd = new uint[size];
            IdLow = new uint[size];
            IdHigh = new uint[size];
            Pending = new int[size];
            SplitNormals = new float[size + Lanes];
            SplitWords = new uint[size + Lanes];
            SplitTailWords = new uint[size + Lanes];
            SplitHeadWords = new uint[size + Lanes];
            SplitTouchNormals = new float[size + Lanes];
            SplitTouchWords = new uint[size + Lanes];
        }

        public float[] Positions { get; }

        public int[] Edges { get; }

        /// <summary>All bits set for a particle on the graph, 0 otherwise (a vector mask).</summary>
        public float[] Alive { get; }

        /// <summary>Per particle: its edge's length, sigma sqrt(dt), drift offset and slope (what the vector pass needs).</summary>
        public float[] Lengths { get; }

        public float[] NoiseScales { get; }

        public float[] Offsets { get; }

        public float[] Slopes { get; }

        /// <summary>All bits set where the particle's edge has a piecewise potential (the vector pass leaves those to the scalar scheme).</summary>
        public float[] Piecewise { get; }

        /// <summary>All bits set where the particle's edge has a bridge-tested tail (head).</summary>
        public float[] TailBridge { get; }

        public float[] HeadBridge { get; }

        public float[] NormalsEven { get; }

        public float[] NormalsOdd { get; }

        public uint[] WordsEven { get; }

        public uint[] WordsOdd { get; }

        /// <summary>Per particle: the id's low and high words, Philox counter words c0 and c1.</summary>
        public uint[] IdLow { get; }

        public uint[] IdHigh { get; }

        /// <summary>Particles (tile indices) that finish the current step in the scalar scheme.</summary>
        public int[] Pending { get; }

        /// <summary>Per pending particle: its iteration-1 normal and edge-choice word (padded by a vector).</summary>
        public float[] SplitNormals { get; }

        public uint[] SplitWords { get; }

        /// <summary>Per pending particle (bridge only): iteration 0's bridge words for the tail and the head, and its passage-time normal and word.</summary>
        public uint[] SplitTailWords { get; }

        public uint[] SplitHeadWords { get; }

        public float[] SplitTouchNormals { get; }

        public uint[] SplitTouchWords { get; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void LoadEdge(SamplerLayout g, int i, int edge)
        {
            Lengths[i] = g.Lengths[edge];
            NoiseScales[i] = g.FirstNoiseScales[edge];
            Offsets[i] = g.DriftOffsets[edge];
            Slopes[i] = g.DriftSlopes[edge];
            Piecewise[i] = g.DriftKinds[edge] == DriftKind.PiecewiseLinearPotential ? AllBits : 0f;
            TailBridge[i] = (g.BridgeEnds[edge] & SamplerLayout.TailBridge) != 0 ? AllBits : 0f;
            HeadBridge[i] = (g.BridgeEnds[edge] & SamplerLayout.HeadBridge) != 0 ? AllBits : 0f;
        }
    }
}
