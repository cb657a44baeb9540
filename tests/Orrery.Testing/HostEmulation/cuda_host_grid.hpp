// cuda_host_grid.hpp: the grid emulation a host runner needs to run a kernels/*.cu file, the very source NVRTC
// compiles for the GPU, on the host (see host_device.cuh). A runner (one .cpp per test project:
// tests/Orrery.MetricGraphs.Tests/HostEmulation/cuda_host_runner.cpp, tests/Orrery.Gcn.Tests/HostEmulation/
// gcn_host_runner.cpp) includes this header once, then its kernel file, and exports one extern "C" launch
// function per kernel that calls run_grid. HostKernelLibrary.cs builds it with
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -shared -fPIC -pthread -I kernels -I tests/Orrery.Testing/HostEmulation
// It defines the thread-local indices and the barrier that host_device.cuh declares, so it belongs in exactly one
// translation unit per library.
//
// Grid emulation: 1-D grids of 1-D blocks. run_grid runs blocks one after another; each block runs as blockDim.x
// std::threads that share the block's __shared__ variables (statics) and its dynamic shared memory, with a
// std::barrier for __syncthreads. Atomics are real atomics (host_device.cuh), since the threads of a block run at
// once. Launches are serialised by a mutex, as the statics are shared.
//
// run_grid_independent is for kernels whose threads never meet (no __syncthreads, no shared memory: one thread per
// element or row, as every GCN kernel is): a few host threads, started once per launch, each run every W-th CUDA
// thread of the whole grid in turn, so a launch costs a few thread starts instead of blockDim.x per block. The CUDA
// threads still run concurrently with each other (W at a time, in another order than a GPU's), so a kernel that
// writes where another thread reads can still show it. A kernel that calls __syncthreads under it stops the process
// with a message naming the mistake; one that asks for dynamic shared memory is refused.
#pragma once

#include <algorithm>
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "host_device.cuh"

thread_local orr_dim3 threadIdx;
thread_local orr_dim3 blockIdx;
thread_local orr_dim3 blockDim;
thread_local orr_dim3 gridDim;

namespace orr_host {
std::mutex launch_gate;
std::barrier<>* block_barrier = nullptr;
std::vector<unsigned long long> dynamic_shared; // u64 words: aligned for any element type

// Runs body() as every thread of a grid x block launch with shared_bytes of dynamic shared memory. Returns 0, or
// 1 with the exception's message in `error`.
template <typename Body>
int run_grid(unsigned int grid, unsigned int block, unsigned int shared_bytes, Body body, char* error, int error_size)
{
    std::lock_guard<std::mutex> lock(launch_gate);
    try {
        dynamic_shared.assign((shared_bytes + 7) / 8 + 1, 0xDEADBEEFDEADBEEFull); // garbage, as on a GPU
        for (unsigned int b = 0; b < grid; ++b) {
            std::barrier<> barrier((std::ptrdiff_t)block);
            block_barrier = &barrier;
            std::vector<std::thread> threads;
            threads.reserve(block);
            for (unsigned int t = 0; t < block; ++t) {
                threads.emplace_back([=] {
                    threadIdx = {t, 0, 0};
                    blockIdx = {b, 0, 0};
                    blockDim = {block, 1, 1};
                    gridDim = {grid, 1, 1};
                    body();
                });
            }
            for (auto& thread : threads) {
                thread.join();
            }
            block_barrier = nullptr;
        }
        return 0;
    } catch (const std::exception& e) {
        std::snprintf(error, (size_t)error_size, "%s", e.what());
        return 1;
    }
}

// Runs body() as every thread of a grid x block launch of a kernel whose threads are independent (see above). Returns 0,
// or 1 with the first exception's message in `error`.
template <typename Body>
int run_grid_independent(unsigned int grid, unsigned int block, unsigned int shared_bytes, Body body, char* error, int error_size)
{
    std::lock_guard<std::mutex> lock(launch_gate);
    if (shared_bytes != 0) {
        std::snprintf(error, (size_t)error_size, "a launch with %u bytes of dynamic shared memory needs run_grid, not run_grid_independent", shared_bytes);
        return 1;
    }
    const unsigned long long total = (unsigned long long)grid * block;
    const unsigned long long workers = std::min<unsigned long long>(total, std::max(2u, std::thread::hardware_concurrency()));
    std::mutex failure_gate;
    std::exception_ptr failure;
    std::vector<std::thread> threads;
    threads.reserve((size_t)workers);
    for (unsigned long long w = 0; w < workers; ++w) {
        threads.emplace_back([&, w] {
            try {
                blockDim = {block, 1, 1};
                gridDim = {grid, 1, 1};
                for (unsigned long long i = w; i < total; i += workers) {
                    threadIdx = {(unsigned int)(i % block), 0, 0};
                    blockIdx = {(unsigned int)(i / block), 0, 0};
                    body();
                }
            } catch (...) {
                std::lock_guard<std::mutex> failed(failure_gate);
                if (!failure) {
                    failure = std::current_exception();
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::snprintf(error, (size_t)error_size, "%s", e.what());
        } catch (...) {
            std::snprintf(error, (size_t)error_size, "a kernel thread threw something that is not a std::exception");
        }
        return 1;
    }
    return 0;
}

// Checks a launch's argument count; writes the message and returns false when it is wrong.
inline bool expect_slots(const char* kernel, int expected, int actual, char* error, int error_size)
{
    if (actual == expected) {
        return true;
    }
    std::snprintf(error, (size_t)error_size, "%s takes %d arguments; the launch passed %d", kernel, expected, actual);
    return false;
}
} // namespace orr_host

void orr_host_syncthreads()
{
    if (orr_host::block_barrier == nullptr) {
        std::fprintf(stderr, "cuda_host_grid: a kernel called __syncthreads in a launch made with run_grid_independent; its runner must use run_grid\n");
        std::abort();
    }
    orr_host::block_barrier->arrive_and_wait();
}

void* orr_host_dynamic_shared() { return orr_host::dynamic_shared.data(); }
