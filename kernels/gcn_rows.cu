// gcn_rows.cu: the row copies of the GCN's halo exchange on one part: gathering the boundary rows a peer needs into the
// send block, and adding the gradients a peer sends back for them onto dL/dx (the CUDA side of PartitionModel's
// BoundaryFeatures and of FinishBackwardLayer's boundary-gradient add).
//
// Computes, for the rows first .. first + count - 1 of a part's send list (the concatenation of its per-peer lists, in
// peer order; one launch covers one peer's range):
//   gcn_gather_rows          out[first + i, j] = x[rows[first + i], j]: a copy, exact.
//   gcn_scatter_add_rows     x[rows[first + i], j] = x[rows[first + i], j] + source[first + i, j], one float add each.
//                            rows[first .. first + count) must be distinct (a peer needs each boundary row once), so no
//                            two threads of a launch add into one element; a row sent to several peers is added to once
//                            per peer, one launch after another in peer order, the order the host loop added in.
//
// Shapes: x: (n, w) float32 row-major (the part's inner rows of layer l's input or its gradient); rows: (s,) int32 inner
//   row indices; out, source: (s, w) float32, s = the part's send count; w = width.
//
// Launch geometry: 1-D blocks of GCN_ROWS_THREADS = 256 threads, one thread per element of the range (ceil(count · w / 256)
//   blocks): consecutive threads take consecutive columns of a row, so a warp reads and writes 128 B runs of a row when
//   w ≥ 32 (the model's hidden widths are 64 to 256) and the copy is bandwidth-bound, 8 B moved per element (12 B for the
//   add). 256 threads as the other GCN kernels.
//
// Compile: NVRTC with --fmad=false (CudaDevice's per-module options, as every GCN module); the one float operation goes
//   through orr_fadd (host_device.cuh).
//
// CPU twin: src/Orrery.Gcn/Kernels/GcnRowKernels.cs (the oracle PartitionModel runs on the CPU device). The same source is
//   compiled with g++ and run on the host by tests/Orrery.Gcn.Tests/HostEmulation/ (RowKernelTests) and compared with the
//   twins bit for bit.
#include "host_device.cuh"

#define GCN_ROWS_THREADS 256

extern "C" __global__ void __launch_bounds__(GCN_ROWS_THREADS) gcn_gather_rows(
    const float* __restrict__ x, const int* __restrict__ rows, float* __restrict__ out, int first, int count, int width)
{
    const long long k = (long long)blockIdx.x * GCN_ROWS_THREADS + threadIdx.x;
    if (k >= (long long)count * width) {
        return;
    }
    const long long i = first + k / width;
    const int j = (int)(k % width);
    out[i * width + j] = x[(long long)rows[i] * width + j];
}

extern "C" __global__ void __launch_bounds__(GCN_ROWS_THREADS) gcn_scatter_add_rows(
    float* __restrict__ x, const int* __restrict__ rows, const float* __restrict__ source, int first, int count, int width)
{
    const long long k = (long long)blockIdx.x * GCN_ROWS_THREADS + threadIdx.x;
    if (k >= (long long)count * width) {
        return;
    }
    const long long i = first + k / width;
    const int j = (int)(k % width);
    const long long at = (long long)rows[i] * width + j;
    x[at] = orr_fadd(x[at], source[i * width + j]);
}
