// gcn.cu: the sparse aggregation of a GCN/GraphSAGE layer on one part of a partitioned graph, forward and
// backward (the CUDA side of src/Orrery.Gcn/Kernels/PartitionAggregation.cs; the rest of the model, GEMMs aside,
// has no kernels yet).
//
// Computes:
//   gcn_aggregate            agg[v, j] = sum over e in row_start[v] .. row_start[v + 1] - 1, in increasing e, of
//                            coefficients[e] * xext[columns[e], j], where xext is x (n rows) followed by halo
//                            (halo_count rows): column c < n reads x row c, else halo row c - n. The sum starts
//                            at 0 and rounds each product and each add (acc = acc + coef * value), exactly as
//                            PartitionModel's host loop did; a row without entries gives 0.
//   gcn_aggregate_transpose  the backward of gcn_aggregate: for every column c of xext (0 .. n + halo_count - 1)
//                            out[c, j] = out[c, j] + sum over the entries k of c's transposed row, in increasing k,
//                            of coefficients[k] * dagg[rows[k], j], where out is dx for c < n and dhalo (row
//                            c - n) otherwise. The transposed rows list each edge (v -> c) by ascending source row
//                            v (TransposedAdjacency.cs), so the sum is a gather: no atomics, the same bits on every
//                            run. The add starts from what out holds (the SAGE layer's self term dz W^T in dx, 0 in
//                            a zeroed dhalo): the serial scatter it replaces (dx_ext[col_e] += coef_e dagg[v] for v
//                            ascending) adds c's contributions in ascending v onto that same start, so the two
//                            agree bit for bit.
//
// Shapes: n inner rows, h = halo_count halo rows, w = width columns, E entries.
//   row_start: (n + 1,) int32; columns: (E,) int32 in [0, n + h); coefficients: (E,) float32.
//   x: (n, w); halo: (h, w); agg: (n, w); all float32 row-major.
//   column_start: (n + h + 1,) int32; rows: (E,) int32 in [0, n); transposed coefficients: (E,) float32.
//   dagg: (n, w); dx: (n, w); dhalo: (h, w).
//
// Launch geometry: 1-D blocks of GCN_THREADS = 256 threads, one warp per output row (8 rows per block,
//   ceil(rows / 8) blocks, rows = n forward, n + h backward); lane t of a warp computes columns t, t + 32, ...
//   of its row. A warp's 32 loads of a source row are one 128-byte transaction, and the row's entry indices
//   and coefficients are the same address for the whole warp (one broadcast load per entry), so the kernel
//   moves about 4 w bytes per entry plus 8 B of index and coefficient: it is bound by the gathers of source
//   rows. Lanes of one warp share a row, so they never diverge on the row's length. Widths that are not
//   multiples of 32 (7, the input features) idle the rest of the last pass's lanes; the hidden widths the
//   model uses (64 to 256) keep every lane busy. 256 threads = 8 warps, as the other kernels, lets 8 blocks
//   share an SM for latency hiding without shared memory or a barrier.
//
// Compile: NVRTC with --fmad=false (CudaDevice's per-module options); every float operation goes through the
//   _rn intrinsics of host_device.cuh, which are never contracted either.
//
// CPU twin: src/Orrery.Gcn/Kernels/GcnKernels.cs (the oracle PartitionModel runs on the CPU device). The same
//   source is compiled with g++ and run on the host by tests/Orrery.Gcn.Tests/HostEmulation/ and compared with
//   the twins bit for bit.
#include "host_device.cuh"

#define GCN_THREADS 256
#define GCN_WARP 32
#define GCN_ROWS_PER_BLOCK (GCN_THREADS / GCN_WARP)

extern "C" __global__ void __launch_bounds__(GCN_THREADS) gcn_aggregate(
    const int* __restrict__ row_start, const int* __restrict__ columns, const float* __restrict__ coefficients,
    const float* __restrict__ x, const float* __restrict__ halo, float* __restrict__ agg,
    int n, int halo_count, int width)
{
    (void)halo_count; // the host checks every column against n + halo_count before the launch
    const long long v = (long long)blockIdx.x * GCN_ROWS_PER_BLOCK + threadIdx.x / GCN_WARP;
    if (v >= n) {
        return;
    }
    const int first = row_start[v];
    const int end = row_start[v + 1];
    for (int j = (int)(threadIdx.x % GCN_WARP); j < width; j += GCN_WARP) {
        float acc = 0.0f;
        for (int e = first; e < end; ++e) {
            const int c = columns[e];
            const float value = c < n ? x[(long long)c * width + j] : halo[(long long)(c - n) * width + j];
            acc = orr_fadd(acc, orr_fmul(coefficients[e], value));
        }
        agg[v * width + j] = acc;
    }
}

extern "C" __global__ void __launch_bounds__(GCN_THREADS) gcn_aggregate_transpose(
    const int* __restrict__ column_start, const int* __restrict__ rows, const float* __restrict__ coefficients,
    const float* __restrict__ dagg, float* __restrict__ dx, float* __restrict__ dhalo,
    int n, int halo_count, int width)
{
    const long long c = (long long)blockIdx.x * GCN_ROWS_PER_BLOCK + threadIdx.x / GCN_WARP;
    if (c >= (long long)n + halo_count) {
        return;
    }
    float* out = c < n ? dx + c * width : dhalo + (c - n) * width;
    const int first = column_start[c];
    const int end = column_start[c + 1];
    for (int j = (int)(threadIdx.x % GCN_WARP); j < width; j += GCN_WARP) {
        float acc = out[j];
        for (int k = first; k < end; ++k) {
            acc = orr_fadd(acc, orr_fmul(coefficients[k], dagg[(long long)rows[k] * width + j]));
        }
        out[j] = acc;
    }
}
