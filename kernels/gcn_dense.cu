// gcn_dense.cu: the dense, row-wise operations of a GCN/GraphSAGE layer on one part, forward and backward: LayerNorm
// followed by ReLU and the gradients through them, dropout, and the biases (the CUDA side of PartitionModel's
// NormaliseAndActivate, ApplyDropout, Broadcast, AddBroadcast, FinishBackwardLayer and ColumnSums; the sparse
// aggregation is gcn.cu, the GEMMs are cuBLAS).
//
// Computes (every sum serial, in the order PartitionModel's host loops take; see "Launch geometry" for the cost):
//   gcn_layer_norm_relu      per row i of z: mean = (float)(Σ_j z[i, j] / w) with the sum in double over increasing j;
//                            squares = Σ_j (double)((z[i, j] - mean)²) in double over increasing j, each square a float
//                            product; rstd = (float)(1 / sqrt(squares / w + (double)epsilon)) in double;
//                            xhat[i, j] = (z[i, j] - mean) · rstd; y[i, j] = relu(gamma[j] · xhat[i, j] + beta[j]) with
//                            relu(a) = a when a > 0 or a is NaN, else +0 (MathF.Max(0f, a)); inverse_std[i] = rstd.
//   gcn_layer_norm_relu_backward
//                            per row i, with d_j = dy[i, j] where y[i, j] > 0, else 0, and b_j = d_j · gamma[j]:
//                            m1 = (float)(Σ_j b_j / w), m2 = (float)(Σ_j (double)(b_j · xhat[i, j]) / w), sums in
//                            double over increasing j; dz[i, j] = inverse_std[i] · ((b_j - m1) - xhat[i, j] · m2).
//   gcn_layer_norm_relu_parameter_gradient
//                            per column j: dgamma[j] += d_ij · xhat[i, j] and dbeta[j] += d_ij, one float add at a time
//                            for i = 0, 1, ..., n - 1, starting from what dgamma and dbeta hold (the host accumulates a
//                            part's gradients over its layers and clears them per iteration).
//   gcn_dropout              for row i (global node id g = inner[i]) and column block b (columns 4b .. 4b + 3): the
//                            Philox block philox_draw(seed, stream, g · ceil(w / 4) + b) (philox.cuh); word k of it
//                            decides column 4b + k: s = 0 when uniform(word) < rate, else keep (= 1 / (1 - rate), rounded
//                            by the host), uniform(word) = ((float)word + 0.5) · 2^-32 held below 1 (NormalTransform.
//                            Uniform). x[i, j] = x[i, j] · s, and scale[i, j] = s when write_scale is nonzero. The mask of
//                            a node depends on its global id, not on which part owns it or on the launch.
//   gcn_dropout_backward     dx[k] = dx[k] · scale[k] for every element: the gradient through the mask.
//   gcn_broadcast_rows       out[i, j] = row[j] (a copy: the bias as the start of z).
//   gcn_add_broadcast_rows   out[i, j] = out[i, j] + row[j] (the SAGE layer's second bias).
//   gcn_column_sums          sums[j] = sums[j] + source[0, j] + source[1, j] + ..., one float add at a time in
//                            increasing row, onto what sums holds (a bias gradient, accumulated over the part's rows).
//
// Shapes: n rows, w = width columns, all float32 row-major.
//   z, xhat, y, dy, dz: (n, w); gamma, beta, dgamma, dbeta: (w,); inverse_std: (n,).
//   x, scale, dx: (n, w); inner: (n,) int32 global node ids.
//   out, source: (n, w); row, sums: (w,).
//
// Launch geometry: 1-D blocks of GCN_DENSE_THREADS = 256 threads. The row kernels run one thread per row
//   (ceil(n / 256) blocks), which walks its row's columns in order, because the host code sums a row serially in
//   double and a tree reduction would give other bits. The column kernel runs one thread per column (ceil(w / 256)
//   blocks) walking the rows in order, for the same reason (the host adds dgamma row after row). Both are slow for
//   what they do, knowingly: in a row kernel the 32 threads of a warp read 32 different rows, so each load is 32
//   transactions of which 4 bytes are used (about 12 B moved per useful float read at w = 64, through L1/L2 as the
//   row is walked), and the column kernel has only w threads in flight (64 to 256 for the model's hidden widths)
//   each taking n dependent adds; its reads are coalesced (consecutive threads, consecutive columns of a row). At
//   the model's sizes these are small beside the aggregation and the GEMMs; faster versions need the host code to
//   sum in the order a parallel reduction does, and then both change together. 256 threads as the other kernels.
//   gcn_dropout runs one thread per (row, 4-column block), ceil(n · ceil(w / 4) / 256) blocks: one Philox call (10
//   rounds in registers) gives the thread's 4 words, so no two threads draw the same block; it moves 8 B per element
//   (16 B with the scale), the GPU's Philox throughput keeps it memory-bound. gcn_dropout_backward is one thread
//   per element, 12 B each. gcn_broadcast_rows and gcn_add_broadcast_rows are one thread per element (the row is
//   read from cache); gcn_column_sums is one thread per column walking the rows in order, as the LayerNorm
//   parameter gradient, for the same reason (the host adds row after row) and with the same cost.
//
// Compile: NVRTC with --fmad=false (CudaDevice's per-module options); every float operation goes through the _rn
//   intrinsics of host_device.cuh and every double operation through the gcn_d* functions below (the _rn double
//   intrinsics on the GPU, never contracted), because the host code (C#) computes these sums in double.
//
// CPU twin: src/Orrery.Gcn/Kernels/GcnDenseKernels.cs (the oracle PartitionModel runs on the CPU device). The same
//   source is compiled with g++ and run on the host by tests/Orrery.Gcn.Tests/HostEmulation/ and compared with the
//   twins bit for bit.
#include "host_device.cuh"
#include "philox.cuh"

#define GCN_DENSE_THREADS 256

// Double-precision operations rounded once to nearest even, as C# rounds each double operation; host_device.cuh names
// the float ones. Widening float or int to double is exact and is written as a cast.
#if defined(__CUDACC__)
__device__ __forceinline__ double gcn_dadd(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double gcn_ddiv(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ double gcn_dsqrt(double a) { return __dsqrt_rn(a); }
__device__ __forceinline__ float gcn_narrow(double a) { return __double2float_rn(a); }
#else
inline double gcn_dadd(double a, double b) { return a + b; }
inline double gcn_ddiv(double a, double b) { return a / b; }
inline double gcn_dsqrt(double a) { return std::sqrt(a); }
inline float gcn_narrow(double a) { return static_cast<float>(a); }
#endif

// MathF.Max(0f, a): a when a > 0 or a is NaN, +0 otherwise (also for a = -0). fmaxf would turn a NaN into 0.
ORR_HD float gcn_relu(float a) { return (a > 0.0f || a != a) ? a : 0.0f; }

extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_layer_norm_relu(
    const float* __restrict__ z, const float* __restrict__ gamma, const float* __restrict__ beta,
    float* __restrict__ xhat, float* __restrict__ y, float* __restrict__ inverse_std,
    int n, int width, float epsilon)
{
    const long long i = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    if (i >= n) {
        return;
    }
    const float* row = z + i * width;
    double sum = 0.0;
    for (int j = 0; j < width; ++j) {
        sum = gcn_dadd(sum, (double)row[j]);
    }
    const float mean = gcn_narrow(gcn_ddiv(sum, (double)width));
    double squares = 0.0;
    for (int j = 0; j < width; ++j) {
        const float d = orr_fsub(row[j], mean);
        squares = gcn_dadd(squares, (double)orr_fmul(d, d));
    }
    const float rstd = gcn_narrow(gcn_ddiv(1.0, gcn_dsqrt(gcn_dadd(gcn_ddiv(squares, (double)width), (double)epsilon))));
    inverse_std[i] = rstd;
    for (int j = 0; j < width; ++j) {
        const float normalised = orr_fmul(orr_fsub(row[j], mean), rstd);
        xhat[i * width + j] = normalised;
        y[i * width + j] = gcn_relu(orr_fadd(orr_fmul(gamma[j], normalised), beta[j]));
    }
}

extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_layer_norm_relu_backward(
    const float* __restrict__ dy, const float* __restrict__ y, const float* __restrict__ xhat,
    const float* __restrict__ gamma, const float* __restrict__ inverse_std, float* __restrict__ dz,
    int n, int width)
{
    const long long i = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    if (i >= n) {
        return;
    }
    const long long base = i * width;
    double mean_d = 0.0;
    double mean_dx = 0.0;
    for (int j = 0; j < width; ++j) {
        const float d = y[base + j] > 0.0f ? dy[base + j] : 0.0f;
        const float b = orr_fmul(d, gamma[j]);
        mean_d = gcn_dadd(mean_d, (double)b);
        mean_dx = gcn_dadd(mean_dx, (double)orr_fmul(b, xhat[base + j]));
    }
    const float m1 = gcn_narrow(gcn_ddiv(mean_d, (double)width));
    const float m2 = gcn_narrow(gcn_ddiv(mean_dx, (double)width));
    const float rstd = inverse_std[i];
    for (int j = 0; j < width; ++j) {
        const float d = y[base + j] > 0.0f ? dy[base + j] : 0.0f;
        const float b = orr_fmul(d, gamma[j]);
        dz[base + j] = orr_fmul(rstd, orr_fsub(orr_fsub(b, m1), orr_fmul(xhat[base + j], m2)));
    }
}

extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_layer_norm_relu_parameter_gradient(
    const float* __restrict__ dy, const float* __restrict__ y, const float* __restrict__ xhat,
    float* __restrict__ dgamma, float* __restrict__ dbeta, int n, int width)
{
    const long long j = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    if (j >= width) {
        return;
    }
    float scale = dgamma[j];
    float shift = dbeta[j];
    for (long long i = 0; i < n; ++i) {
        const long long at = i * width + j;
        const float d = y[at] > 0.0f ? dy[at] : 0.0f;
        scale = orr_fadd(scale, orr_fmul(d, xhat[at]));
        shift = orr_fadd(shift, d);
    }
    dgamma[j] = scale;
    dbeta[j] = shift;
}

// NormalTransform.Uniform: ((float)word + 0.5f) · 2^-32, words within 2^7 of 2^32 held at the largest float below 1.
// (float)word is formed from its two exact 16-bit halves, so the one rounding is the sum's, to nearest even, as C#'s.
ORR_HD float gcn_uniform(unsigned int word)
{
    const float as_float = orr_fadd(orr_fmul((float)(int)(word >> 16), 65536.0f), (float)(int)(word & 0xFFFFu));
    const float u = orr_fmul(orr_fadd(as_float, 0.5f), 0x1p-32f);
    return u < 1.0f ? u : 0x1.fffffep-1f;
}

// scale may be x itself when write_scale is 0 (it is then never touched), so it is not __restrict__.
extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_dropout(
    float* x, float* scale, const int* __restrict__ inner, int n, int width,
    unsigned long long seed, unsigned long long stream, float rate, float keep, int write_scale)
{
    const long long t = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    const int blocks_per_row = (width + 3) / 4;
    if (t >= (long long)n * blocks_per_row) {
        return;
    }
    const long long i = t / blocks_per_row;
    const int b = (int)(t % blocks_per_row);
    const unsigned long long global = (unsigned long long)(long long)inner[i];
    const uint4 block = philox_draw(seed, stream, global * (unsigned long long)blocks_per_row + (unsigned long long)b);
    const unsigned int words[4] = {block.x, block.y, block.z, block.w};
    for (int k = 0; k < 4 && 4 * b + k < width; ++k) {
        const float s = gcn_uniform(words[k]) < rate ? 0.0f : keep;
        const long long at = i * width + 4 * b + k;
        if (write_scale != 0) {
            scale[at] = s;
        }
        x[at] = orr_fmul(x[at], s);
    }
}

extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_dropout_backward(
    float* __restrict__ dx, const float* __restrict__ scale, long long count)
{
    const long long k = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    if (k < count) {
        dx[k] = orr_fmul(dx[k], scale[k]);
    }
}

extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_broadcast_rows(
    float* __restrict__ out, const float* __restrict__ row, int n, int width)
{
    const long long k = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    if (k < (long long)n * width) {
        out[k] = row[k % width];
    }
}

extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_add_broadcast_rows(
    float* __restrict__ out, const float* __restrict__ row, int n, int width)
{
    const long long k = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    if (k < (long long)n * width) {
        out[k] = orr_fadd(out[k], row[k % width]);
    }
}

extern "C" __global__ void __launch_bounds__(GCN_DENSE_THREADS) gcn_column_sums(
    const float* __restrict__ source, float* __restrict__ sums, int n, int width)
{
    const long long j = (long long)blockIdx.x * GCN_DENSE_THREADS + threadIdx.x;
    if (j >= width) {
        return;
    }
    float sum = sums[j];
    for (long long i = 0; i < n; ++i) {
        sum = orr_fadd(sum, source[i * width + j]);
    }
    sums[j] = sum;
}
