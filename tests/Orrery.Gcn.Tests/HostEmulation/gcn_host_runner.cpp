// gcn_host_runner.cpp: runs kernels/gcn.cu, the very source NVRTC compiles for the GPU, on the host, so the
// aggregation kernels' arithmetic, indexing and launch geometry are tested where there is no GPU. Built by
// GcnHostKernels.cs (through tests/Orrery.Testing/HostEmulation/HostKernelLibrary.cs) with
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -shared -fPIC -pthread -I kernels -I tests/Orrery.Testing/HostEmulation
// into a shared library that the tests call through orr_host_launch_gcn_aggregate and
// orr_host_launch_gcn_aggregate_transpose.
//
// Grid emulation (tests/Orrery.Testing/HostEmulation/cuda_host_grid.hpp): blocks run one after another, each as
// blockDim.x std::threads; gcn.cu uses no shared memory and no barrier.
#include "cuda_host_grid.hpp"

#include "gcn.cu"

// gcn_aggregate with its arguments as cuLaunchKernel's 8-byte slots (a 4-byte parameter in the low half), in the
// kernel's parameter order. Returns 0, or 1 with a message in `error`.
extern "C" int orr_host_launch_gcn_aggregate(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                             const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_aggregate", 9, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return (void*)slots[i]; };
    auto i32 = [&](int i) { return (int)(unsigned int)slots[i]; };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_aggregate((const int*)p(0), (const int*)p(1), (const float*)p(2), (const float*)p(3), (const float*)p(4), (float*)p(5),
                      i32(6), i32(7), i32(8));
    }, error, error_size);
}

// gcn_aggregate_transpose, likewise.
extern "C" int orr_host_launch_gcn_aggregate_transpose(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                       const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_aggregate_transpose", 9, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return (void*)slots[i]; };
    auto i32 = [&](int i) { return (int)(unsigned int)slots[i]; };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_aggregate_transpose((const int*)p(0), (const int*)p(1), (const float*)p(2), (const float*)p(3), (float*)p(4), (float*)p(5),
                                i32(6), i32(7), i32(8));
    }, error, error_size);
}
