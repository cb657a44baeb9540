// gcn_dense_host_runner.cpp: runs kernels/gcn_dense.cu, the very source NVRTC compiles for the GPU, on the host, so the
// dense kernels' arithmetic (float and double), indexing and launch geometry are tested where there is no GPU. Built by
// GcnDenseHostKernels.cs (through tests/Orrery.Testing/HostEmulation/HostKernelLibrary.cs) with
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -shared -fPIC -pthread -I kernels -I tests/Orrery.Testing/HostEmulation
// into a shared library that the tests call through one orr_host_launch_<kernel> export per kernel.
//
// Grid emulation (tests/Orrery.Testing/HostEmulation/cuda_host_grid.hpp): blocks run one after another, each as
// blockDim.x std::threads; gcn_dense.cu uses no shared memory and no barrier.
#include "cuda_host_grid.hpp"

#include "gcn_dense.cu"

// Each export takes the kernel's arguments as cuLaunchKernel's 8-byte slots (a 4-byte parameter in the low half), in
// the kernel's parameter order, and returns 0, or 1 with a message in `error`.
namespace {
void* pointer(const unsigned long long* slots, int i) { return (void*)slots[i]; }
int i32(const unsigned long long* slots, int i) { return (int)(unsigned int)slots[i]; }
float f32(const unsigned long long* slots, int i) { return orr_uint_as_float((unsigned int)slots[i]); }
}

extern "C" int orr_host_launch_gcn_layer_norm_relu(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                   const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_layer_norm_relu", 9, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_layer_norm_relu((const float*)p(0), (const float*)p(1), (const float*)p(2), (float*)p(3), (float*)p(4), (float*)p(5),
                            i32(slots, 6), i32(slots, 7), f32(slots, 8));
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_layer_norm_relu_backward(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                            const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_layer_norm_relu_backward", 8, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_layer_norm_relu_backward((const float*)p(0), (const float*)p(1), (const float*)p(2), (const float*)p(3), (const float*)p(4),
                                     (float*)p(5), i32(slots, 6), i32(slots, 7));
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_layer_norm_relu_parameter_gradient(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                                      const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_layer_norm_relu_parameter_gradient", 7, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_layer_norm_relu_parameter_gradient((const float*)p(0), (const float*)p(1), (const float*)p(2), (float*)p(3), (float*)p(4),
                                               i32(slots, 5), i32(slots, 6));
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_dropout(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                           const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_dropout", 10, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_dropout((float*)p(0), (float*)p(1), (const int*)p(2), i32(slots, 3), i32(slots, 4), slots[5], slots[6],
                    f32(slots, 7), f32(slots, 8), i32(slots, 9));
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_dropout_backward(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                    const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_dropout_backward", 3, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_dropout_backward((float*)p(0), (const float*)p(1), (long long)slots[2]);
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_broadcast_rows(unsigned int grid, unsigned int block, unsigned int shared_bytes,
        const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_broadcast_rows", 4, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_broadcast_rows((float*)p(0), (const float*)p(1), i32(slots, 2), i32(slots, 3));
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_add_broadcast_rows(unsigned int grid, unsigned int block, unsigned int shared_bytes,
        const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_add_broadcast_rows", 4, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_add_broadcast_rows((float*)p(0), (const float*)p(1), i32(slots, 2), i32(slots, 3));
    }, error, error_size);
}

extern "C" int orr_host_launch_gcn_column_sums(unsigned int grid, unsigned int block, unsigned int shared_bytes,
        const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots("gcn_column_sums", 4, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        gcn_column_sums((const float*)p(0), (float*)p(1), i32(slots, 2), i32(slots, 3));
    }, error, error_size);
}
