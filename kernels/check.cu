// check.cu: the self-test kernels bench/GpuCheck compiles with NVRTC and compares with their CPU twins.
//
// Computes:
//   vector_add     c[i] = a[i] + b[i]. One correctly rounded fp32 add per element, so the GPU and the
//                  CPU agree bit for bit; any difference is a bug in the buffers or the launch path.
//   philox_fill    out[i] = Philox4x32-10 draw (first_draw + i) of stream `stream` under `seed`, in
//                  Orrery's stream layout (see philox.cuh).
//   philox_blocks  out[i] = Philox4x32-10(counters[i], keys[i]), the raw form Random123's known-answer
//                  vectors are stated in.
//
// Shapes: a, b, c: (n,) float32. out, counters: (n,) uint4, i.e. (n, 4) uint32 row-major.
//   keys: (n,) uint2, i.e. (n, 2) uint32. n < 2^31.
//
// Launch geometry: 1-D, one element per thread, 256 threads per block, ceil(n / 256) blocks.
//   256 threads = 8 warps: a multiple of the warp size, and 8 such blocks (2048 threads) fill an
//   H100 SM, which these memory-bound loops need to keep enough loads in flight. vector_add moves
//   12 B per element; philox_fill stores 16 B per element with one 16-byte store (uint4) after about
//   80 integer operations, roughly balanced between integer throughput and store bandwidth on H100.
//
// CPU twins: src/Orrery.Compute/Kernels/CheckKernels.cs; the generator's twin is
//   src/Orrery.Compute/Random/Philox4x32.cs.
#include "philox.cuh"

extern "C" __global__ void vector_add(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c, int n)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        c[i] = a[i] + b[i];
    }
}

extern "C" __global__ void philox_fill(uint4* __restrict__ out, unsigned long long seed, unsigned long long stream, unsigned long long first_draw, int n)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = philox_draw(seed, stream, first_draw + (unsigned long long)i);
    }
}

extern "C" __global__ void philox_blocks(const uint4* __restrict__ counters, const uint2* __restrict__ keys, uint4* __restrict__ out, int n)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = philox4x32_10(counters[i], keys[i]);
    }
}
