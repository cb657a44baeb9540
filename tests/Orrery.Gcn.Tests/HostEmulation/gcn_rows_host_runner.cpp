// gcn_rows_host_runner.cpp: runs kernels/gcn_rows.cu, the very source NVRTC compiles for the GPU, on the host, so the halo
// row copies' indexing and launch geometry are tested where there is no GPU. Built by GcnRowHostKernels.cs (through
// tests/Orrery.Testing/HostEmulation/HostKernelLibrary.cs) with
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -shared -fPIC -pthread -I kernels -I tests/Orrery.Testing/HostEmulation
// into a shared library that the tests call through one orr_host_launch_<kernel> export per kernel.
//
// Grid emulation (tests/Orrery.Testing/HostEmulation/cuda_host_grid.hpp): blocks run one after another, each as
// blockDim.x std::threads; gcn_rows.cu uses no shared memory and no barrier.
#include "cuda_host_grid.hpp"

#include "gcn_rows.cu"

// Each export takes the kernel's arguments as cuLaunchKernel's 8-byte slots (a 4-byte parameter in the low half), in
// the kernel's parameter order, and returns 0, or 1 with a message in `error`.
namespace {
void* pointer(const unsigned long long* slots, int i) { return (void*)slots[i]; }
int i32(const unsigned long long* slots, int i) { return (int)(unsigned int)slots[i]; }
}

extern "C" int orr_host_launch_gcn_gather_rows(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                               const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_gather_rows", 6, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_gather_rows((const float*)p(0), (const int*)p(1), (float*)p(2), i32(slots, 3), i32(slots, 4), i32(slots, 5));
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_scatter_add_rows(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                    const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_scatter_add_rows", 6, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_scatter_add_rows((float*)p(0), (const int*)p(1), (const float*)p(2), i32(slots, 3), i32(slots, 4), i32(slots, 5));
    }, error, error_size);
}
