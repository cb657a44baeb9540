// metric_graph.cu: particles on a metric graph, many steps per launch (the CUDA side of
// src/Orrery.MetricGraphs/Sampling/CudaMetricGraphSampler.cs).
//
// Computes: metric_graph_advance moves particles 0 .. count - 1 of the state arrays through steps
//   [start_step, end_step) of the run with the timestep-splitting Euler–Maruyama scheme
//   (metric_graph_step.cuh, bitwise the CPU sampler's arithmetic and Philox streams), updates their state
//   in place and adds their observables to the result counters:
//     occupation[window, e, b] += samples (window = start_step / window_steps; a launch never crosses
//       a window boundary, CudaMetricGraphSampler cuts launches there)
//     exit_counts[v], exit_time_histogram[bin], totals[MG_TOTAL_*] += exits and work.
//   All counters are integers added with atomics, so the result does not depend on the order the
//   blocks run in and equals the CPU sampler's bit for bit.
//
// Shapes: graph tables as in mg_graph (edges m, vertices n, incidences 2m, potential knots K).
//   edges, exit_vertices: (count,) int32; positions: (count,) float32; exit_ticks: (count,) int64.
//   occupation: (windows, m, bins) u64; exit_counts: (n,) u64; exit_time_histogram: (exit_time_bins + 1,) u64;
//   totals: (8,) u64. Dynamic shared memory: m * bins u32 when block_histogram != 0, else none.
//
// Launch geometry: 1-D, one particle per thread, MG_THREADS = 256 per block, ceil(count / 256) blocks.
//   A thread keeps its particle's edge, position and the step pair's two normals and two edge-choice
//   words in registers for the whole launch (the host launches ~1000 steps at a time): 8 B of state
//   read and written per particle per launch, so the kernel is bound by Philox (10 rounds of two
//   32x32 multiplies per step pair) and the Box–Muller polynomials, not by memory. 256 threads = 8
//   warps lets 4-8 blocks share an SM (64K registers) for latency hiding while the block's
//   shared-memory histogram stays small. Occupation samples go to the block's shared histogram (one
//   shared atomic per sample, merged into global memory with one atomic per nonzero cell at the end) when
//   m * bins * 4 B fits in 47 KB (inside the default 48 KB with the 24 B of static counters, no opt-in
//   needed), else straight to global memory.
//   Rare events (exits: a few per particle per run) use global atomics directly; the work counters are
//   summed per block in shared memory and added once per block.
//
// Compile: NVRTC with --fmad=false (CudaDevice's per-module options); every float operation of the
//   scheme also goes through the _rn intrinsics (host_device.cuh), which are never contracted.
//
// CPU twin: src/Orrery.MetricGraphs/Sampling/MetricGraphSampler.cs (the oracle: same particles, same
//   streams, bitwise the same state and counts). The same source is compiled with g++ and run on the host
//   by tests/Orrery.MetricGraphs.Tests/HostEmulation/ (each block as 256 threads with a barrier), and
//   bench/GpuCheck compares the GPU with the CPU sampler.
#include "metric_graph_step.cuh"

#define MG_THREADS 256

extern "C" __global__ void __launch_bounds__(MG_THREADS) metric_graph_advance(
    const float* __restrict__ lengths, const float* __restrict__ sigmas, const int* __restrict__ drift_kinds,
    const float* __restrict__ drift_offsets, const float* __restrict__ drift_slopes,
    const int* __restrict__ edge_tails, const int* __restrict__ edge_heads,
    const int* __restrict__ potential_offsets, const float* __restrict__ potential_positions,
    const float* __restrict__ potential_segment_drifts,
    const int* __restrict__ vertex_kinds, const int* __restrict__ incidence_offsets, const int* __restrict__ incidence_edges,
    const int* __restrict__ incidence_ends, const float* __restrict__ incidence_cumulative, const float* __restrict__ bin_scales,
    const int* __restrict__ bridge_ends,
    int* __restrict__ edges, float* __restrict__ positions, int* __restrict__ exit_vertices, long long* __restrict__ exit_ticks,
    unsigned long long* __restrict__ occupation, unsigned long long* __restrict__ exit_counts,
    unsigned long long* __restrict__ exit_time_histogram, unsigned long long* __restrict__ totals,
    unsigned long long seed, float dt, float sqrt_dt, int max_splits, int bins_per_edge, int edge_count,
    long long first_particle, int count, long long start_step, long long end_step,
    long long sample_every, long long window_steps, long long exit_histogram_ticks, int exit_time_bins,
    int block_histogram)
{
    ORR_DYNAMIC_SHARED(unsigned int, block_occupation); // (m, bins) when block_histogram != 0
    __shared__ unsigned long long block_tallies[3];      // particle-steps, splits, truncated

    const int cells = edge_count * bins_per_edge;
    if (block_histogram != 0) {
        for (int c = threadIdx.x; c < cells; c += blockDim.x) {
            block_occupation[c] = 0u;
        }
    }
    if (threadIdx.x < 3) {
        block_tallies[threadIdx.x] = 0ull;
    }
    __syncthreads();

    mg_graph g;
    g.lengths = lengths;
    g.sigmas = sigmas;
    g.drift_kinds = drift_kinds;
    g.drift_offsets = drift_offsets;
    g.drift_slopes = drift_slopes;
    g.edge_tails = edge_tails;
    g.edge_heads = edge_heads;
    g.potential_offsets = potential_offsets;
    g.potential_positions = potential_positions;
    g.potential_segment_drifts = potential_segment_drifts;
    g.vertex_kinds = vertex_kinds;
    g.incidence_offsets = incidence_offsets;
    g.incidence_edges = incidence_edges;
    g.incidence_ends = incidence_ends;
    g.incidence_cumulative = incidence_cumulative;
    g.bin_scales = bin_scales;
    g.bridge_ends = bridge_ends;

    mg_run r;
    r.seed = seed;
    r.dt = dt;
    r.sqrt_dt = sqrt_dt;
    r.max_splits = max_splits;
    r.bins_per_edge = bins_per_edge;
    r.edge_count = edge_count;
    r.first_particle = first_particle;
    r.count = count;
    r.start_step = start_step;
    r.end_step = end_step;
    r.sample_every = sample_every;
    r.window_steps = window_steps;
    r.exit_histogram_ticks = exit_histogram_ticks;
    r.exit_time_bins = exit_time_bins;

    mg_sink sink;
    sink.block_occupation = block_histogram != 0 ? block_occupation : nullptr;
    sink.occupation = occupation;
    sink.exit_counts = exit_counts;
    sink.exit_time_histogram = exit_time_histogram;
    sink.totals = totals;
    sink.window = start_step / window_steps;

    mg_tallies tallies;
    tallies.particle_steps = 0ull;
    tallies.splits = 0ull;
    tallies.truncated = 0ull;
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) {
        mg_advance_particle(g, r, edges, positions, exit_vertices, exit_ticks, (int)i, sink, tallies);
    }
    if (tallies.particle_steps != 0ull) {
        orr_atomic_add_u64(&block_tallies[0], tallies.particle_steps);
    }
    if (tallies.splits != 0ull) {
        orr_atomic_add_u64(&block_tallies[1], tallies.splits);
    }
    if (tallies.truncated != 0ull) {
        orr_atomic_add_u64(&block_tallies[2], tallies.truncated);
    }
    __syncthreads();

    if (block_histogram != 0) {
        unsigned long long* window_occupation = occupation + sink.window * cells;
        for (int c = threadIdx.x; c < cells; c += blockDim.x) {
            const unsigned int samples = block_occupation[c];
            if (samples != 0u) {
                orr_atomic_add_u64(&window_occupation[c], (unsigned long long)samples);
            }
        }
    }
    if (threadIdx.x < 3 && block_tallies[threadIdx.x] != 0ull) {
        orr_atomic_add_u64(&totals[MG_TOTAL_PARTICLE_STEPS + threadIdx.x], block_tallies[threadIdx.x]);
    }
}
