// host_device.cuh: the small layer that lets a kernel's source compile both with NVRTC for the GPU and
// with a plain C++ compiler (g++ -std=c++20) on the host, so the GPU's arithmetic can be run and tested
// where there is no GPU.
//
// Computes: nothing itself. It names the operations whose rounding must be pinned down:
//   orr_fadd, orr_fsub, orr_fmul, orr_fdiv, orr_fsqrt   one IEEE-754 single-precision operation each,
//                                                       round to nearest even; on the GPU the _rn
//                                                       intrinsics, which the compiler never contracts
//                                                       into an FMA (whatever --fmad says)
//   orr_fma                                             a fused multiply-add, rounded once
//   orr_fabs, orr_floor, orr_rint                       exact in every implementation
//   orr_float_as_int, orr_int_as_float, ...             bit casts
//   orr_atomic_add_u32 / _u64                           atomic adds (returning the old value)
//   orr_umulhi, orr_umul64hi                            high words of unsigned products
// On the host every one is the correctly rounded C++ operation (build with -ffp-contract=off and without
// -ffast-math, on an SSE2 or Arm target where float is evaluated in float: FLT_EVAL_METHOD == 0).
//
// The host also gets the CUDA names a kernel file uses (__global__, __shared__, threadIdx, blockIdx,
// blockDim, gridDim, __syncthreads, uint2/uint4, __umulhi) so that a whole .cu file compiles there; the
// host runner (tests/Orrery.Testing/HostEmulation/cuda_host_grid.hpp, used by the metric-graph and GCN
// kernel tests) runs each CUDA block as blockDim.x
// std::threads with a barrier for __syncthreads, one block after another, and provides
// orr_host_syncthreads, orr_host_dynamic_shared and the thread-local indices.
//
// Shapes: none (scalars and pointers only).
// Launch geometry: none (header only).
// CPU twin: none; it is the layer through which a kernel and its CPU twin are compared.
#pragma once

#if defined(__CUDACC__)

// Under NVRTC only device code is compiled, so the shared functions are device functions there.
#define ORR_HD __device__ __forceinline__
#define ORR_DYNAMIC_SHARED(type, name) extern __shared__ type name[]

__device__ __forceinline__ float orr_fadd(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float orr_fsub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ float orr_fmul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float orr_fdiv(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ float orr_fsqrt(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ float orr_fma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
__device__ __forceinline__ float orr_fabs(float a) { return fabsf(a); }
__device__ __forceinline__ float orr_floor(float a) { return floorf(a); }
__device__ __forceinline__ float orr_rint(float a) { return rintf(a); }
__device__ __forceinline__ int orr_float_as_int(float a) { return __float_as_int(a); }
__device__ __forceinline__ float orr_int_as_float(int a) { return __int_as_float(a); }
__device__ __forceinline__ unsigned int orr_float_as_uint(float a) { return __float_as_uint(a); }
__device__ __forceinline__ float orr_uint_as_float(unsigned int a) { return __uint_as_float(a); }
__device__ __forceinline__ unsigned int orr_umulhi(unsigned int a, unsigned int b) { return __umulhi(a, b); }
__device__ __forceinline__ unsigned long long orr_umul64hi(unsigned long long a, unsigned long long b) { return __umul64hi(a, b); }
__device__ __forceinline__ unsigned int orr_atomic_add_u32(unsigned int* p, unsigned int v) { return atomicAdd(p, v); }
__device__ __forceinline__ unsigned long long orr_atomic_add_u64(unsigned long long* p, unsigned long long v) { return atomicAdd(p, v); }

#else // a plain C++ compiler on the host

#include <cmath>
#include <cstring>

#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0
#error "host_device.cuh: float must be evaluated in float (FLT_EVAL_METHOD 0): build for x86-64 (SSE2) or Arm, not x87"
#endif
#if defined(__FAST_MATH__)
#error "host_device.cuh: -ffast-math changes the arithmetic the GPU is compared with; build without it"
#endif

#define ORR_HD inline
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
// A block's shared variables: blocks run one after another on the host, so one static copy serves them all.
#define __shared__ static
#define ORR_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(orr_host_dynamic_shared())

struct uint2 { unsigned int x, y; };
struct uint4 { unsigned int x, y, z, w; };
struct orr_dim3 { unsigned int x, y, z; };

// Provided by the host runner: the calling CUDA thread's indices, the block barrier, the block's dynamic shared memory.
extern thread_local orr_dim3 threadIdx;
extern thread_local orr_dim3 blockIdx;
extern thread_local orr_dim3 blockDim;
extern thread_local orr_dim3 gridDim;
void orr_host_syncthreads();
void* orr_host_dynamic_shared();
#define __syncthreads() orr_host_syncthreads()

inline float orr_fadd(float a, float b) { return a + b; }
inline float orr_fsub(float a, float b) { return a - b; }
inline float orr_fmul(float a, float b) { return a * b; }
inline float orr_fdiv(float a, float b) { return a / b; }
inline float orr_fsqrt(float a) { return std::sqrt(a); }
inline float orr_fma(float a, float b, float c) { return std::fma(a, b, c); }
inline float orr_fabs(float a) { return std::fabs(a); }
inline float orr_floor(float a) { return std::floor(a); }
inline float orr_rint(float a) { return std::rint(a); }
inline int orr_float_as_int(float a) { int b; std::memcpy(&b, &a, 4); return b; }
inline float orr_int_as_float(int a) { float b; std::memcpy(&b, &a, 4); return b; }
inline unsigned int orr_float_as_uint(float a) { unsigned int b; std::memcpy(&b, &a, 4); return b; }
inline float orr_uint_as_float(unsigned int a) { float b; std::memcpy(&b, &a, 4); return b; }
inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int)(((unsigned long long)a * b) >> 32); }
inline unsigned int orr_umulhi(unsigned int a, unsigned int b) { return __umulhi(a, b); }
inline unsigned long long orr_umul64hi(unsigned long long a, unsigned long long b) { return (unsigned long long)(((unsigned __int128)a * b) >> 64); }
inline unsigned int orr_atomic_add_u32(unsigned int* p, unsigned int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline unsigned long long orr_atomic_add_u64(unsigned long long* p, unsigned long long v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

#endif
