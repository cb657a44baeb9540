// gcn_loss_host_runner.cpp: runs kernels/gcn_loss.cu, the very source NVRTC compiles for the GPU, on the host, so the loss
// kernels' arithmetic (float and double, exp and log from the same libm as the C# twin's Math.Exp and Math.Log), indexing
// and launch geometry are tested where there is no GPU. Built by GcnLossHostKernels.cs (through
// tests/Orrery.Testing/HostEmulation/HostKernelLibrary.cs) with
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -shared -fPIC -pthread -I kernels -I tests/Orrery.Testing/HostEmulation
// into a shared library that the tests call through one orr_host_launch_<kernel> export per kernel.
//
// Grid emulation (tests/Orrery.Testing/HostEmulation/cuda_host_grid.hpp): blocks run one after another, each as
// blockDim.x std::threads; gcn_loss.cu uses no shared memory and no barrier.
#include "cuda_host_grid.hpp"

#include "gcn_loss.cu"

// Each export takes the kernel's arguments as cuLaunchKernel's 8-byte slots (a 4-byte parameter in the low half), in
// the kernel's parameter order, and returns 0, or 1 with a message in `error`.
namespace {
void* pointer(const unsigned long long* slots, int i) { return (void*)slots[i]; }
int i32(const unsigned long long* slots, int i) { return (int)(unsigned int)slots[i]; }
float f32(const unsigned long long* slots, int i) { return orr_uint_as_float((unsigned int)slots[i]); }

using loss_kernel = void (*)(const float*, const float*, const unsigned char*, float*, double*, int*, int, int, float);

int launch(const char* name, loss_kernel kernel, unsigned int grid, unsigned int block, unsigned int shared_bytes,
           const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    if (!orr_host::expect_slots(name, 9, slot_count, error, error_size)) {
        return 1;
    }
    auto p = [&](int i) { return pointer(slots, i); };
    return orr_host::run_grid_independent(grid, block, shared_bytes, [&] {
        kernel((const float*)p(0), (const float*)p(1), (const unsigned char*)p(2), (float*)p(3), (double*)p(4), (int*)p(5),
               i32(slots, 6), i32(slots, 7), f32(slots, 8));
    }, error, error_size);
}
}

extern "C" int orr_host_launch_gcn_softmax_cross_entropy(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                                         const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    return launch("gcn_softmax_cross_entropy", gcn_softmax_cross_entropy, grid, block, shared_bytes, slots, slot_count, error, error_size);
}

extern "C" int orr_host_launch_gcn_sigmoid_bce(unsigned int grid, unsigned int block, unsigned int shared_bytes,
                                               const unsigned long long* slots, int slot_count, char* error, int error_size)
{
    return launch("gcn_sigmoid_bce", gcn_sigmoid_bce, grid, block, shared_bytes, slots, slot_count, error, error_size);
}
