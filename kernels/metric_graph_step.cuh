// metric_graph_step.cuh: one particle's steps on a metric graph, the timestep-splitting Euler–Maruyama
// scheme of specs/metric-graphs.md, operation for operation as the CPU sampler does them, so that a
// particle's path is bitwise the same on the GPU, on the host (this file compiled by g++) and in C#.
//
// Computes, per particle (see mg_advance_particle): for steps j = start_step .. end_step - 1 the step of
//   SplittingScheme.Step (the piecewise drift lookup, the crossing fraction s of the cancellation-free
//   root, tau *= 1 - s^2, or with boundary: bridge the bridge's passage time; the jump-weight choice at a
//   junction, absorption, the Brownian-bridge test of both ends after a move that stays inside, a touched
//   end handled as a crossing; truncation at max_splits),
//   and the observables the CPU's SamplingAccumulator counts: occupation samples after steps with
//   (j + 1) % sample_every == 0, exits (vertex, exit tick, exit-time bin, 128-bit tick sums),
//   particle-steps, splits, truncated steps. Every observable is an integer, so atomics in any order
//   give the CPU's totals exactly.
// Random numbers: ParticleRandom.cs's layout word for word. Key = seed; counter = (particle lo,
//   particle hi, j >> 1, split k). One block per step pair: even j takes z0 and X2, odd j z1 and X3.
//   The normal is PortableBoxMuller.Transform (our own log and sin/cos from fmas, adds and multiplies,
//   never libm or the GPU's fast paths), the uniform PortableBoxMuller.Uniform.
// Rounding: every float operation goes through host_device.cuh's orr_f* (the _rn intrinsics on the GPU),
//   so nothing is contracted into an FMA that C# does not fuse, and the fmas C# writes are fmas here.
//
// Shapes: edges m, vertices n, incidences (2m,), potential knots (K,); occupation (windows, m, bins)
//   u64; exit_counts (n,) u64; exit_time_histogram (exit_time_bins + 1,) u64; totals (8,) u64 (see MG_TOTAL_*).
//
// Launch geometry: none here; see metric_graph.cu.
// CPU twin: src/Orrery.MetricGraphs/Sampling/SplittingScheme.cs (the step), ParticleRandom.cs (the
//   counters), PortableBoxMuller.cs (the normal), MetricGraphSampler.Tiles.cs (the step loop and sampling),
//   SamplingAccumulator.cs (the observables).
#pragma once
#include "host_device.cuh"
#include "philox.cuh"

// Enum values of the C# graph model (DriftKind, VertexKind, EdgeEnd) and EnsembleState.Alive.
#define MG_DRIFT_PIECEWISE 3
#define MG_VERTEX_ABSORBING 1
#define MG_END_TAIL 0
#define MG_ALIVE (-1)

// SamplerLayout.TailBridge, .HeadBridge, .BridgeCrossing; SplittingScheme.BridgeCutoff; ParticleRandom.BridgeStream,
// .TouchStream.
#define MG_BRIDGE_TAIL 1
#define MG_BRIDGE_HEAD 2
#define MG_BRIDGE_CROSSING 4
#define MG_BRIDGE_CUTOFF 23.0f
#define MG_BRIDGE_STREAM 0x80000000u
#define MG_TOUCH_STREAM 0xC0000000u

// How a step ended (StepOutcome).
#define MG_COMPLETED 0
#define MG_EXITED 1
#define MG_TRUNCATED 2

// Exit times are counted in ticks of dt / 2^20 (SamplingOptions.ExitTicksPerStepLog2).
#define MG_EXIT_TICKS_PER_STEP_LOG2 20

// totals[]: work counters and the exit sums, all u64; the tick sums are 128-bit as (low, high).
#define MG_TOTAL_PARTICLE_STEPS 0
#define MG_TOTAL_SPLITS 1
#define MG_TOTAL_TRUNCATED 2
#define MG_TOTAL_EXITED 3
#define MG_TOTAL_TICK_SUM 4        // 4 low, 5 high
#define MG_TOTAL_TICK_SQUARE_SUM 6 // 6 low, 7 high
#define MG_TOTALS 8

// PortableBoxMuller's constants, written as C# writes them (each literal rounds once to float).
#define MG_TWO_TO_MINUS_32 2.3283064365386963e-10f
#define MG_LARGEST_BELOW_ONE 0.99999994f
#define MG_SQRT2 1.41421356f
#define MG_LN2_HI 0.693145751953125f
#define MG_LN2_LO 1.4286068202862268e-06f
#define MG_S1 1.5707963267948966f
#define MG_S3 (-0.6459640975062462f)
#define MG_S5 0.07969262624616704f
#define MG_S7 (-0.004681754135318687f)
#define MG_S9 0.00016044118478735982f
#define MG_C2 (-1.2337005501361697f)
#define MG_C4 0.25366950790104797f
#define MG_C6 (-0.020863480763352958f)
#define MG_C8 0.0009192602748394263f
#define MG_C10 (-2.5202042373060603e-05f)

// The graph's flat tables (MetricGraph / SamplerLayout), read-only.
struct mg_graph {
    const float* lengths;                  // (m,) L_e
    const float* sigmas;                   // (m,)
    const int* drift_kinds;                // (m,) DriftKind
    const float* drift_offsets;            // (m,)
    const float* drift_slopes;             // (m,)
    const int* edge_tails;                 // (m,) vertex at x = 0
    const int* edge_heads;                 // (m,) vertex at x = L_e
    const int* potential_offsets;          // (m + 1,) knots of edge e: [offsets[e], offsets[e + 1])
    const float* potential_positions;      // (K,)
    const float* potential_segment_drifts; // (K,) drift on [x_k, x_{k+1})
    const int* vertex_kinds;               // (n,) VertexKind
    const int* incidence_offsets;          // (n + 1,)
    const int* incidence_edges;            // (2m,)
    const int* incidence_ends;             // (2m,) EdgeEnd of the edge at the vertex
    const float* incidence_cumulative;     // (2m,) cumulative jump weights, the last of each vertex 1
    const float* bin_scales;               // (m,) bins / L_e
    const int* bridge_ends;                // (m,) MG_BRIDGE_TAIL | MG_BRIDGE_HEAD | MG_BRIDGE_CROSSING (all with boundary: bridge, 0 with step)
};

// The launch's constants.
struct mg_run {
    unsigned long long seed;
    float dt;                       // the time step
    float sqrt_dt;                  // sqrtf(dt), rounded once (SamplerLayout.SqrtTimeStep)
    int max_splits;
    int bins_per_edge;
    int edge_count;
    long long first_particle;       // id of particle 0 of the state arrays
    int count;                      // particles in the state arrays
    long long start_step;           // steps [start_step, end_step) of the run; inside one occupation window
    long long end_step;
    long long sample_every;
    long long window_steps;
    long long exit_histogram_ticks; // ExitTimeSteps << 20
    int exit_time_bins;
};

// (z0, z1) = PortableBoxMuller.Uniform and .Transform.
ORR_HD float mg_uniform(unsigned int word)
{
    // (float)word rounded once: both halves are exact in float, the sum rounds to nearest even.
    const float as_float = orr_fadd(orr_fmul((float)(int)(word >> 16), 65536.0f), (float)(int)(word & 0xFFFFu));
    const float u = orr_fmul(orr_fadd(as_float, 0.5f), MG_TWO_TO_MINUS_32);
    return u < MG_LARGEST_BELOW_ONE ? u : MG_LARGEST_BELOW_ONE;
}

ORR_HD float mg_log(float x)
{
    const int bits = orr_float_as_int(x);
    int exponent = (bits >> 23) - 127;
    float m = orr_int_as_float((bits & 0x007FFFFF) | 0x3F800000);
    if (m > MG_SQRT2) {
        m = orr_fmul(m, 0.5f);
        exponent += 1;
    }
    const float s = orr_fdiv(orr_fsub(m, 1.0f), orr_fadd(m, 1.0f));
    const float s2 = orr_fmul(s, s);
    float p = orr_fma(s2, 1.0f / 9.0f, 1.0f / 7.0f);
    p = orr_fma(s2, p, 1.0f / 5.0f);
    p = orr_fma(s2, p, 1.0f / 3.0f);
    p = orr_fma(s2, p, 1.0f);
    const float ln_m = orr_fmul(orr_fadd(s, s), p);
    const float e = (float)exponent;
    return orr_fma(e, MG_LN2_HI, orr_fma(e, MG_LN2_LO, ln_m));
}

// (sin 2 pi u, cos 2 pi u) for u in [0, 1).
ORR_HD void mg_sincos_two_pi(float u, float& sin_out, float& cos_out)
{
    const float t = orr_fmul(4.0f, u);
    const float q = orr_floor(orr_fadd(t, 0.5f));
    const float r = orr_fsub(t, q);
    const float r2 = orr_fmul(r, r);
    float sp = orr_fma(r2, MG_S9, MG_S7);
    sp = orr_fma(r2, sp, MG_S5);
    sp = orr_fma(r2, sp, MG_S3);
    sp = orr_fma(r2, sp, MG_S1);
    const float sin_r = orr_fmul(r, sp);
    float cp = orr_fma(r2, MG_C10, MG_C8);
    cp = orr_fma(r2, cp, MG_C6);
    cp = orr_fma(r2, cp, MG_C4);
    cp = orr_fma(r2, cp, MG_C2);
    const float cos_r = orr_fma(r2, cp, 1.0f);

    // Angle (pi/2)(q + r): quadrant 0 (s, c), 1 (c, -s), 2 (-s, -c), 3 (-c, s).
    const int quadrant = (int)q;
    const bool swap = (quadrant & 1) != 0;
    const float s = swap ? cos_r : sin_r;
    const float c = swap ? sin_r : cos_r;
    const unsigned int sin_sign = (unsigned int)(quadrant & 2) << 30;
    const unsigned int cos_sign = (unsigned int)((quadrant + 1) & 2) << 30;
    sin_out = orr_uint_as_float(orr_float_as_uint(s) ^ sin_sign);
    cos_out = orr_uint_as_float(orr_float_as_uint(c) ^ cos_sign);
}

ORR_HD void mg_box_muller(unsigned int word0, unsigned int word1, float& z0, float& z1)
{
    const float r = orr_fsqrt(orr_fmul(-2.0f, mg_log(mg_uniform(word0))));
    float s, c;
    mg_sincos_two_pi(mg_uniform(word1), s, c);
    z0 = orr_fmul(r, c);
    z1 = orr_fmul(r, s);
}

// ParticleRandom.StepBlock: the Philox block of iteration `split` of step `step` of `particle`.
ORR_HD uint4 mg_step_block(unsigned long long seed, unsigned long long particle, long long step, int split)
{
    return philox_draw(seed, particle, ((unsigned long long)(unsigned int)split << 32) | ((unsigned long long)step >> 1));
}

// ParticleRandom.BridgeBlock and .BridgeWord: the bridge-test word for the tail or head of the edge.
ORR_HD unsigned int mg_bridge_word(unsigned long long seed, unsigned long long particle, long long step, int split, bool head)
{
    const uint4 block = philox_draw(seed, particle,
                                    ((unsigned long long)(MG_BRIDGE_STREAM | (unsigned int)split) << 32) | ((unsigned long long)step >> 1));
    return (step & 1) == 0 ? (head ? block.y : block.x) : (head ? block.w : block.z);
}

// SplittingScheme.Touched: did the bridge from distance d0 to d1 of an end touch it?
// P = exp(-2 d0 d1 / variance); drawn only below the cutoff (no uniform's -ln reaches 23). `argument` = 2 d0 d1 / variance.
ORR_HD bool mg_bridge_touched(const mg_run& r, unsigned long long particle, long long step, int split, bool head,
                              float d0, float d1, float variance, float& argument)
{
    argument = orr_fdiv(orr_fmul(2.0f, orr_fmul(d0, d1)), variance);
    return argument < MG_BRIDGE_CUTOFF
        && -mg_log(mg_uniform(mg_bridge_word(r.seed, particle, step, split, head))) > argument;
}

// A step-block-shaped block's normal and word for the step's parity (ParticleRandom: z0 and X2 for an even step,
// z1 and X3 for an odd one).
ORR_HD void mg_block_draws(uint4 block, long long step, float& normal, unsigned int& word)
{
    float z0, z1;
    mg_box_muller(block.x, block.y, z0, z1);
    normal = (step & 1) == 0 ? z0 : z1;
    word = (step & 1) == 0 ? block.z : block.w;
}

// ParticleRandom.TouchBlock, read as PreparedSplitDraws.TouchDraw does: the normal and the uniform's word.
ORR_HD void mg_touch_draw(unsigned long long seed, unsigned long long particle, long long step, int split, float& normal, unsigned int& word)
{
    mg_block_draws(philox_draw(seed, particle, ((unsigned long long)(MG_TOUCH_STREAM | (unsigned int)split) << 32) | ((unsigned long long)step >> 1)),
                   step, normal, word);
}

// SplittingScheme.TimeLeftAfterTouch: the time left after the bridge's first passage (inverse Gaussian by
// Michael-Schucany-Haas).
ORR_HD float mg_time_left_after_touch(float tau, float d0, float d1, float argument, float normal, float uniform)
{
    if (!(argument > 0.0f)) {
        return d0 <= d1 ? tau : 0.0f;
    }
    const float r = orr_fdiv(orr_fmul(normal, normal), argument);
    const float q = orr_fadd(orr_fadd(1.0f, r), orr_fsqrt(orr_fmul(r, orr_fadd(r, 2.0f))));
    const float ratio = orr_fmul(uniform, orr_fadd(q, 1.0f)) <= q ? orr_fdiv(d0, q) : orr_fmul(d0, q);
    return orr_fmul(tau, orr_fdiv(d1, orr_fadd(d1, ratio)));
}

// SplittingScheme.CrossingFraction.
ORR_HD float mg_crossing_fraction(float distance, float drift, float noise)
{
    const float d = orr_fma(noise, noise, orr_fmul(orr_fmul(4.0f, drift), distance));
    // MathF.Max(d, 0): NaN stays NaN, -0 becomes +0.
    const float discriminant = d > 0.0f ? d : (d != d ? d : 0.0f);
    const float root = orr_fsqrt(discriminant);
    const float s = noise > 0.0f ? orr_fdiv(orr_fmul(2.0f, distance), orr_fadd(noise, root))
                                 : orr_fdiv(orr_fsub(root, noise), orr_fmul(2.0f, drift));
    return s < 1.0f ? s : 1.0f;
}

ORR_HD float mg_piecewise_drift(const mg_graph& g, int edge, float x)
{
    int k = g.potential_offsets[edge];
    const int last_segment = g.potential_offsets[edge + 1] - 2;
    while (k < last_segment && x >= g.potential_positions[k + 1]) {
        ++k;
    }
    return g.potential_segment_drifts[k];
}

ORR_HD int mg_choose_incidence(const mg_graph& g, int vertex, float u)
{
    int i = g.incidence_offsets[vertex];
    while (u >= g.incidence_cumulative[i]) {
        ++i;
    }
    return i;
}

// SplittingScheme.Step: one step of size dt of one particle. Returns MG_COMPLETED, MG_EXITED or
// MG_TRUNCATED; `splits` is the number of vertex crossings, `exit_vertex` the absorbing vertex reached
// (else -1) and `time_left` the part of the step not used (for the exit time).
ORR_HD int mg_step(const mg_graph& g, const mg_run& r, unsigned long long particle, long long step,
                   int& edge, float& position, float normal, unsigned int choice_word,
                   int& splits, int& exit_vertex, float& time_left)
{
    int e = edge;
    float x = position;
    float w = normal;
    float tau = r.dt;
    float sqrt_tau = r.sqrt_dt;
    splits = 0;
    while (true) {
        const float length = g.lengths[e];
        if (x == 0.0f) {
            w = orr_fabs(w);
        } else if (x == length) {
            w = -orr_fabs(w);
        }

        const float a = g.drift_kinds[e] == MG_DRIFT_PIECEWISE ? mg_piecewise_drift(g, e, x)
                                                               : orr_fma(g.drift_slopes[e], x, g.drift_offsets[e]);
        const float drift_part = orr_fmul(tau, a);
        const float noise_scale = orr_fmul(g.sigmas[e], sqrt_tau);
        const float noise_part = orr_fmul(noise_scale, w);
        const float next = orr_fadd(orr_fadd(x, drift_part), noise_part);
        bool at_vertex_head;
        if (next > 0.0f && next < length) {
            const int bridge = g.bridge_ends[e];
            bool touched = false, touched_head = false;
            float argument = 0.0f;
            if (bridge != 0) {
                // The move stayed inside: did the path touch an end? Tail first; not the end it starts on.
                const float variance = orr_fmul(noise_scale, noise_scale);
                touched = (bridge & MG_BRIDGE_TAIL) != 0 && x > 0.0f
                    && mg_bridge_touched(r, particle, step, splits, false, x, next, variance, argument);
                if (!touched && (bridge & MG_BRIDGE_HEAD) != 0 && x < length) {
                    touched = touched_head = mg_bridge_touched(r, particle, step, splits, true, orr_fsub(length, x), orr_fsub(length, next), variance, argument);
                }
            }

            if (!touched) {
                edge = e;
                position = next;
                exit_vertex = -1;
                time_left = 0.0f;
                return MG_COMPLETED;
            }

            // Touched: on from the vertex at the bridge's passage time, as from a crossing.
            float touch_normal;
            unsigned int touch_word;
            mg_touch_draw(r.seed, particle, step, splits, touch_normal, touch_word);
            tau = mg_time_left_after_touch(tau, touched_head ? orr_fsub(length, x) : x, touched_head ? orr_fsub(length, next) : next,
                                           argument, touch_normal, mg_uniform(touch_word));
            at_vertex_head = touched_head;
        } else {
            const bool at_head = next >= length;
            if ((g.bridge_ends[e] & MG_BRIDGE_CROSSING) != 0) {
                const float distance = at_head ? orr_fsub(length, x) : x;
                const float overshoot = at_head ? orr_fsub(next, length) : -next;
                float touch_normal;
                unsigned int touch_word;
                mg_touch_draw(r.seed, particle, step, splits, touch_normal, touch_word);
                tau = mg_time_left_after_touch(tau, distance, overshoot,
                                               orr_fdiv(orr_fmul(2.0f, orr_fmul(distance, overshoot)), orr_fmul(noise_scale, noise_scale)),
                                               touch_normal, mg_uniform(touch_word));
            } else {
                const float s = mg_crossing_fraction(at_head ? orr_fsub(length, x) : x,
                                                     at_head ? drift_part : -drift_part,
                                                     at_head ? noise_part : -noise_part);
                tau = orr_fmul(tau, orr_fsub(1.0f, orr_fmul(s, s)));
            }
            at_vertex_head = at_head;
        }

        ++splits;
        const int vertex = at_vertex_head ? g.edge_heads[e] : g.edge_tails[e];
        if (g.vertex_kinds[vertex] == MG_VERTEX_ABSORBING) {
            edge = e;
            position = at_vertex_head ? length : 0.0f;
            exit_vertex = vertex;
            time_left = tau;
            return MG_EXITED;
        }

        const int incidence = mg_choose_incidence(g, vertex, mg_uniform(choice_word));
        e = g.incidence_edges[incidence];
        x = g.incidence_ends[incidence] == MG_END_TAIL ? 0.0f : g.lengths[e];
        if (!(tau > 0.0f) || splits == r.max_splits) {
            edge = e;
            position = x;
            exit_vertex = -1;
            time_left = tau;
            return tau > 0.0f ? MG_TRUNCATED : MG_COMPLETED;
        }

        // The draws of iteration `splits` (ParticleRandom: the step's parity picks z0/X2 or z1/X3).
        mg_block_draws(mg_step_block(r.seed, particle, step, splits), step, w, choice_word);
        sqrt_tau = orr_fsqrt(tau);
    }
}

// SplittingScheme.ExitTicks: the exit time in ticks of dt / 2^20 (MathF.Round: to nearest even, as rint).
ORR_HD long long mg_exit_ticks(long long step, float dt, float time_left)
{
    const float fraction = orr_fmul(orr_fdiv(orr_fsub(dt, time_left), dt), (float)(1 << MG_EXIT_TICKS_PER_STEP_LOG2));
    return (step << MG_EXIT_TICKS_PER_STEP_LOG2) + (long long)orr_rint(fraction);
}

// floor(a * b / d) for a * b < 2^128 and a quotient below 2^64, exactly: SamplingAccumulator's
// (UInt128)ticks * bins / histogramTicks, without 128-bit integers on the device. Runs once per exit.
ORR_HD unsigned long long mg_mul_div(unsigned long long a, unsigned long long b, unsigned long long d)
{
    unsigned long long high = orr_umul64hi(a, b);
    unsigned long long low = a * b;
    unsigned long long remainder = 0;
    unsigned long long quotient = 0;
    // Long division of (high, low) by d, one bit at a time; remainder < d throughout.
    for (int bit = 127; bit >= 0; --bit) {
        const unsigned long long top = remainder >> 63;
        remainder = (remainder << 1) | (bit >= 64 ? (high >> (bit - 64)) & 1 : (low >> bit) & 1);
        quotient <<= 1;
        if (top != 0 || remainder >= d) {
            remainder -= d;
            quotient |= 1;
        }
    }
    return quotient;
}

// Adds the 128-bit value (low, high) to the 128-bit counter sum[0] (low), sum[1] (high) with two 64-bit
// atomics: every wrap of the low word carries exactly one into the high word, so the total is exact
// whatever the order.
ORR_HD void mg_atomic_add_u128(unsigned long long* sum, unsigned long long low, unsigned long long high)
{
    const unsigned long long old = orr_atomic_add_u64(&sum[0], low);
    const unsigned long long carry = old + low < old ? 1ull : 0ull;
    if (high + carry != 0) {
        orr_atomic_add_u64(&sum[1], high + carry);
    }
}

// Where one particle's observables go: the block's occupation counts for the launch's window in shared
// memory (u32; null when the histogram does not fit there) or else the global histogram directly.
struct mg_sink {
    unsigned int* block_occupation;          // (m, bins) of the launch's window, or null
    unsigned long long* occupation;          // (windows, m, bins)
    unsigned long long* exit_counts;         // (n,)
    unsigned long long* exit_time_histogram; // (exit_time_bins + 1,)
    unsigned long long* totals;              // (MG_TOTALS,)
    long long window;                        // start_step / window_steps
};

// Per-thread work counters, added to the block's once per launch.
struct mg_tallies {
    unsigned long long particle_steps;
    unsigned long long splits;
    unsigned long long truncated;
};

ORR_HD void mg_record_exit(const mg_run& r, const mg_sink& sink, int vertex, long long ticks)
{
    orr_atomic_add_u64(&sink.exit_counts[vertex], 1ull);
    orr_atomic_add_u64(&sink.totals[MG_TOTAL_EXITED], 1ull);
    const unsigned long long t = (unsigned long long)ticks;
    mg_atomic_add_u128(&sink.totals[MG_TOTAL_TICK_SUM], t, 0ull);
    mg_atomic_add_u128(&sink.totals[MG_TOTAL_TICK_SQUARE_SUM], t * t, orr_umul64hi(t, t));
    const long long bin = ticks >= r.exit_histogram_ticks
        ? r.exit_time_bins
        : (long long)mg_mul_div(t, (unsigned long long)r.exit_time_bins, (unsigned long long)r.exit_histogram_ticks);
    orr_atomic_add_u64(&sink.exit_time_histogram[bin], 1ull);
}

// Steps [start_step, end_step) of particle i of the state arrays (MetricGraphSampler.AdvanceTile for one
// particle): one Philox block and one Box–Muller per step pair, kept in registers between the two steps;
// the edge and position stay in registers for the whole launch.
ORR_HD void mg_advance_particle(const mg_graph& g, const mg_run& r, int* edges, float* positions, int* exit_vertices,
                                long long* exit_ticks, int i, const mg_sink& sink, mg_tallies& tallies)
{
    if (i >= r.count || exit_vertices[i] != MG_ALIVE) {
        return;
    }

    const unsigned long long particle = (unsigned long long)(r.first_particle + i);
    int edge = edges[i];
    float x = positions[i];
    const int cells = r.edge_count * r.bins_per_edge;
    // The first step j >= start_step after which occupation is sampled: (j + 1) % sample_every == 0.
    long long next_sample = ((r.start_step + r.sample_every) / r.sample_every) * r.sample_every - 1;
    float z0 = 0.0f, z1 = 0.0f;
    unsigned int word_even = 0, word_odd = 0;
    for (long long j = r.start_step; j < r.end_step; ++j) {
        if ((j & 1) == 0 || j == r.start_step) {
            const uint4 block = mg_step_block(r.seed, particle, j, 0);
            mg_box_muller(block.x, block.y, z0, z1);
            word_even = block.z;
            word_odd = block.w;
        }

        const bool odd = (j & 1) != 0;
        ++tallies.particle_steps;
        int splits, exit_vertex;
        float time_left;
        const int outcome = mg_step(g, r, particle, j, edge, x, odd ? z1 : z0, odd ? word_odd : word_even, splits, exit_vertex, time_left);
        tallies.splits += (unsigned long long)splits;
        if (outcome == MG_EXITED) {
            const long long ticks = mg_exit_ticks(j, r.dt, time_left);
            exit_vertices[i] = exit_vertex;
            exit_ticks[i] = ticks;
            mg_record_exit(r, sink, exit_vertex, ticks);
            break;
        }

        if (outcome == MG_TRUNCATED) {
            ++tallies.truncated;
        }

        if (j == next_sample) {
            next_sample += r.sample_every;
            const int bin = (int)orr_fmul(x, g.bin_scales[edge]);
            const int cell = edge * r.bins_per_edge + (bin < r.bins_per_edge - 1 ? bin : r.bins_per_edge - 1);
            if (sink.block_occupation != nullptr) {
                orr_atomic_add_u32(&sink.block_occupation[cell], 1u);
            } else {
                orr_atomic_add_u64(&sink.occupation[sink.window * cells + cell], 1ull);
            }
        }
    }

    edges[i] = edge;
    positions[i] = x;
}
