// philox.cuh: Philox4x32-10 counter-based random numbers on the device.
//
// Computes: 128 random bits from a 128-bit counter and a 64-bit key with ten rounds of
//   multiply-and-xor (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
//   SC'11). No state is carried between calls: a draw depends only on (key, counter), never on which
//   thread, launch or device makes it, so work can be split any way and give the same numbers.
//
// Shapes: counter uint4 = 4 x u32 (x lowest), key uint2 = 2 x u32 -> uint4 = 4 x u32.
//   Orrery's stream layout (philox_draw): key = seed (lo, hi), counter = (stream lo, stream hi,
//   draw lo, draw hi).
//
// Launch geometry: none; these are device functions (ORR_HD: also plain C++ on the host, see
//   host_device.cuh, so the metric-graph kernel's host emulation runs this very code). Callers give each
//   thread its own counter.
//   Everything stays in registers: 10 rounds x 2 32x32->64 multiplies, no memory traffic.
//
// CPU twin: src/Orrery.Compute/Random/Philox4x32.cs (bit-identical; bench/GpuCheck compares both
//   against each other and against Random123's known-answer vectors).
#pragma once
#include "host_device.cuh"

// Round multipliers and Weyl key increments (golden ratio, sqrt(3) - 1), as in Random123.
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

ORR_HD uint4 philox4x32_10(uint4 counter, uint2 key)
{
#pragma unroll
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            key.x += PHILOX_W0;
            key.y += PHILOX_W1;
        }
        const unsigned int hi0 = orr_umulhi(PHILOX_M0, counter.x);
        const unsigned int lo0 = PHILOX_M0 * counter.x;
        const unsigned int hi1 = orr_umulhi(PHILOX_M1, counter.z);
        const unsigned int lo1 = PHILOX_M1 * counter.z;
        uint4 next;
        next.x = hi1 ^ counter.y ^ key.x;
        next.y = lo1;
        next.z = hi0 ^ counter.w ^ key.y;
        next.w = lo0;
        counter = next;
    }
    return counter;
}

// Draw number `draw` of stream `stream` under `seed`: Philox4x32.Generate(seed, stream, draw) on the CPU.
ORR_HD uint4 philox_draw(unsigned long long seed, unsigned long long stream, unsigned long long draw)
{
    uint4 counter;
    counter.x = (unsigned int)stream;
    counter.y = (unsigned int)(stream >> 32);
    counter.z = (unsigned int)draw;
    counter.w = (unsigned int)(draw >> 32);
    uint2 key;
    key.x = (unsigned int)seed;
    key.y = (unsigned int)(seed >> 32);
    return philox4x32_10(counter, key);
}
