// cuda_host_runner.cpp: runs kernels/metric_graph.cu, the very source NVRTC compiles for the GPU, on the
// host, so the GPU kernel's arithmetic, random streams, atomics and block structure are tested where
// there is no GPU. Built by MetricGraphHostKernels.cs (through tests/Orrery.Testing/HostEmulation/
// HostKernelLibrary.cs) with
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -shared -fPIC -pthread -I kernels -I tests/Orrery.Testing/HostEmulation
// into a shared library that the tests call through orr_host_launch_metric_graph_advance.
//
// Grid emulation (tests/Orrery.Testing/HostEmulation/cuda_host_grid.hpp): blocks run one after another; each
// block runs as blockDim.x std::threads that share the block's __shared__ variables (statics) and its dynamic
// shared memory, with a std::barrier for __syncthreads. Atomics are real atomics (host_device.cuh), since the
// threads of a block run at once.
#include "cuda_host_grid.hpp"

#include "metric_graph.cu"

// metric_graph_advance with its arguments as cuLaunchKernel's 8-byte slots (a 4-byte parameter in the
// low half), in the kernel's parameter order. Returns 0, or 1 with a message in `error`.
extern "C" int orr_host_launch_metric_graph_advance(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                    const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("metric_graph_advance", 40, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return (void*)slots[i]; };
    auto i32 = [&](int i) { return (int)(unsigned int)slots[i]; };
    auto i64 = [&](int i) { return (long long)slots[i]; };
    auto f32 = [&](int i) { return orr_uint_as_float((unsigned int)slots[i]); };
    return orr_host::run_grid(grid, block, shared_bytes, [&] {
        metric_graph_advance(
            (const float*)p(0), (const float*)p(1), (const int*)p(2), (const float*)p(3), (const float*)p(4),
            (const int*)p(5), (const int*)p(6), (const int*)p(7), (const float*)p(8), (const float*)p(9),
            (const int*)p(10), (const int*)p(11), (const int*)p(12), (const int*)p(13), (const float*)p(14), (const float*)p(15),
            (const int*)p(16),
            (int*)p(17), (float*)p(18), (int*)p(19), (long long*)p(20),
            (unsigned long long*)p(21), (unsigned long long*)p(22), (unsigned long long*)p(23), (unsigned long long*)p(24),
            slots[25], f32(26), f32(27), i32(28), i32(29), i32(30),
            i64(31), i32(32), i64(33), i64(34),
            i64(35), i64(36), i64(37), i32(38),
            i32(39));
    }, error, error_size);
}

// The kernel's building blocks, for tests that compare them with their C# twins directly.
extern "C" void orr_host_box_muller(unsigned int word0, unsigned int word1, float* z0, float* z1)
{
    mg_box_muller(word0, word1, *z0, *z1);
}

extern "C" unsigned long long orr_host_mul_div(unsigned long long a, unsigned long long b, unsigned long long d)
{
    return mg_mul_div(a, b, d);
}

extern "C" void orr_host_add_u128(unsigned long long* sum, unsigned long long low, unsigned long long high)
{
    mg_atomic_add_u128(sum, low, high);
}
